// The admin's rich-text editor (sanitize/editor.py): turns each textarea[data-story-editor] into
// django-prose-editor's editor with the extensions its data names, plus StoryPicture, our picture block.
// Loaded as a module from a static file; the package's editor is imported by its static address.
import * as editorModule from "../django_prose_editor/editor.js"

const { Document, Editor, Node, initializeEditors, crel } = editorModule

// The document, with what it may hold as an option: "paragraph" (a standfirst) is one paragraph, Enter starts no second.
const StoryDocument = Document.extend({
  addOptions() {
    return { content: "block+" }
  },
  content() {
    return this.options.content
  },
})

// Pasted HTML (a word processor's, a web page's) loses its styling before the editor reads it, so the browser
// never parses a style for the CSP to refuse: <style> and <script> elements and style attributes go.
const STYLING = /<(style|script)\b[\s\S]*?<\/\1\s*>|\sstyle\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi

function withoutStyling(html) {
  return html.replace(STYLING, "")
}

// The package's createTextareaEditor, but with Tiptap's injected <style> turned off (the CSP allows no inline
// style): css/story-editor.css carries the few rules ProseMirror needs instead.
function textareaEditor(textarea, extensions) {
  const element = crel("div", { className: "prose-editor" })
  textarea.before(element)
  element.append(textarea)
  return new Editor({
    element,
    extensions,
    editable: !textarea.disabled,
    content: textarea.value,
    injectCSS: false,
    editorProps: { transformPastedHTML: withoutStyling },
    onUpdate({ editor }) {
      textarea.value = editor.isEmpty ? "" : editor.getHTML()
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
  })
}

async function fetchPictures(chooser, query) {
  const response = await fetch(`${chooser}?${new URLSearchParams(query)}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
  if (!response.ok) return []
  return (await response.json()).pictures
}

function pictureCard(picture) {
  const img = crel("img", { src: picture.thumbnail, alt: picture.alt, width: picture.width, height: picture.height })
  return crel("span", { className: "story-picture__card" }, [img, crel("span", { textContent: picture.caption })])
}

// Choose one picture or several (a gallery) from the library; resolves to their ids, or null.
function choosePictures(editor, chooser) {
  return new Promise((resolve) => {
    const search = crel("input", { type: "search", id: "story-picture-search", name: "q" })
    const results = crel("fieldset", { className: "story-picture__results" }, [
      crel("legend", { textContent: "Pictures in the library (tick several for a gallery)" }),
    ])
    const insert = crel("button", { type: "submit", textContent: "Insert" })
    const cancel = crel("button", { type: "button", textContent: "Cancel" })
    const upload = crel("a", {
      href: chooser.replace(/choose\/$/, "add/"), target: "_blank", rel: "noopener",
      textContent: "Upload a new picture (opens a new tab; search again once it is saved)",
    })
    const form = crel("form", { method: "dialog" }, [
      crel("h3", { className: "prose-editor-dialog-title", textContent: "Insert pictures" }),
      crel("label", { htmlFor: "story-picture-search", textContent: "Search by caption, credit or description" }),
      search, results, upload,
      crel("div", { className: "prose-editor-dialog-buttons" }, [insert, cancel]),
    ])
    const dialog = crel("dialog", { className: "prose-editor-dialog story-picture__dialog" }, [form])
    editor.view.dom.parentElement.append(dialog)

    const show = async () => {
      const pictures = await fetchPictures(chooser, { q: search.value })
      for (const old of results.querySelectorAll("label")) old.remove()
      for (const picture of pictures) {
        const box = crel("input", { type: "checkbox", name: "picture", value: picture.id })
        results.append(crel("label", { className: "story-picture__choice" }, [box, pictureCard(picture)]))
      }
    }
    let timer
    search.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(show, 250)
    })
    cancel.addEventListener("click", () => dialog.close())
    dialog.addEventListener("close", () => {
      const ids = dialog.returnValue === "insert"
        ? [...results.querySelectorAll("input:checked")].map((box) => box.value)
        : []
      dialog.remove()
      resolve(ids.length ? ids : null)
    })
    insert.addEventListener("click", (event) => {
      event.preventDefault()
      dialog.close("insert")
    })
    show()
    dialog.showModal()
  })
}

// A block of one picture or a gallery: <figure data-pictures="12 34">, which the story page expands.
const StoryPicture = Node.create({
  name: "storyPicture",
  group: "block",
  atom: true,
  draggable: true,
  addOptions() {
    return { chooser: null }
  },
  addAttributes() {
    return { pictures: { default: "", parseHTML: (element) => element.getAttribute("data-pictures") } }
  },
  parseHTML() {
    return [{ tag: "figure[data-pictures]" }]
  },
  renderHTML({ node }) {
    return ["figure", { "data-pictures": node.attrs.pictures }]
  },
  addNodeView() {
    const chooser = this.options.chooser
    return ({ node }) => {
      const ids = node.attrs.pictures.split(" ")
      const dom = crel("figure", {
        className: "story-picture",
        "aria-label": ids.length > 1 ? `Gallery of ${ids.length} pictures` : "Picture",
      })
      dom.setAttribute("data-pictures", node.attrs.pictures)
      fetchPictures(chooser, { ids: ids.join(",") }).then((pictures) => {
        for (const picture of pictures) dom.append(pictureCard(picture))
      })
      return { dom }
    }
  },
  addCommands() {
    return {
      insertStoryPictures:
        () =>
        ({ editor }) => {
          choosePictures(editor, this.options.chooser).then((ids) => {
            if (!ids) return
            // The writer goes on typing below the pictures, as after a picture in any word processor.
            const block = { type: this.name, attrs: { pictures: ids.join(" ") } }
            editor.chain().focus().insertContent([block, { type: "paragraph" }]).run()
          })
          return true
        },
    }
  },
  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "storyPicture",
      groups: "nodes",
      button: buttons.material("image", "Picture"),
      command(editor) {
        editor.commands.insertStoryPictures()
      },
    })
  },
})

const EXTENSIONS = { ...editorModule, Document: StoryDocument, StoryPicture }

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null
  const config = JSON.parse(textarea.dataset.storyEditor)
  const extensions = Object.entries(config.extensions)
    .filter(([name]) => EXTENSIONS[name])
    .map(([name, options]) => (typeof options === "object" ? EXTENSIONS[name].configure(options) : EXTENSIONS[name]))
  const editor = textareaEditor(textarea, extensions)
  // The label names the editable area, as it named the textarea.
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`)
  editor.view.dom.setAttribute("role", "textbox")
  editor.view.dom.setAttribute("aria-multiline", "true")
  if (label) {
    label.id ||= `${textarea.id}-label`
    editor.view.dom.setAttribute("aria-labelledby", label.id)
  }
  textarea.dispatchEvent(new CustomEvent("prose-editor:ready", { detail: { editor, textarea }, bubbles: true }))
  return editor
}

initializeEditors(createEditor, "[data-story-editor]")
