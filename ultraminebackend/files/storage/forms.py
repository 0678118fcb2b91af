"""Form field for the admin: uploads made there go through the same intake as the API's."""

from django import forms

from ..processing.intake import intake_image


class IntakeImageFormField(forms.ImageField):
    """Validates and normalises the upload (the intake); the model field stores the result."""

    def __init__(self, *, private: bool = False, fingerprint: bool = False, **kwargs):
        self.private = private
        self.fingerprint = fingerprint
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        # ValidationError → form error
        return intake_image(upload, thumbnail=not self.private, fingerprint=self.fingerprint)
