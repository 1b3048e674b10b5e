"""core.api.serializers.ModelSerializer: the model is introspected once per class; every instance
still gets fields of its own, bound to it."""

from rest_framework import serializers

from accounts.models import Studio
from core.api.serializers import ModelSerializer


class Plain(ModelSerializer):
    class Meta:
        model = Studio
        fields = ["id", "name"]


class Wider(Plain):
    class Meta:
        model = Studio
        fields = ["id", "name", "timezone"]


def test_the_model_is_introspected_once_per_class(monkeypatch):
    built: list[type] = []
    real = serializers.ModelSerializer.get_fields

    def counting(self):
        built.append(type(self))
        return real(self)

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", counting)
    for cls in (Plain, Wider):  # worked out afresh under the counter
        if "_field_prototypes" in cls.__dict__:
            delattr(cls, "_field_prototypes")

    for _ in range(3):
        assert list(Plain().fields) == ["id", "name"]
        assert list(Wider().fields) == ["id", "name", "timezone"]

    assert built == [Plain, Wider]


def test_each_instance_has_its_own_fields_bound_to_it():
    first, second = Plain(context={"who": 1}), Plain(context={"who": 2})

    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first
    assert second.fields["name"].context == {"who": 2}
    assert Plain(Studio(id=7, name="Moda")).data == {"id": 7, "name": "Moda"}
