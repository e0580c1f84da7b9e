from django.apps import AppConfig


class PicturesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pictures"

    def ready(self):
        import pagecache

        from .models import Image

        # A replaced caption or picture shows in every page that prints it ({% picture %} says so: shows()).
        pagecache.watch(Image, keys=lambda image: {f"picture-{image.pk}"})
