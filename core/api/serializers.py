"""DRF's ModelSerializer with its fields worked out from the model once per class.

DRF introspects the model for every serializer instance (the field kwargs, labels, validators):
about a fifth of the cheapest endpoint's request. The result depends only on the class (its Meta
and declared fields), so it is kept per class, and each instance gets fresh copies of the fields,
as DRF gives each instance fresh copies of declared fields.
"""

import copy
from typing import Any

from rest_framework import serializers


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        prototypes = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()
            setattr(cls, "_field_prototypes", prototypes)  # per class: a subclass works out its own  # noqa: B010
        return copy.deepcopy(prototypes)
