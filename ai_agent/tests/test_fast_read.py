"""Generations listed through the project's fast read answer what DRF's own code answers, with
the serializer's own ``to_representation`` (nulls for empty errors) on top of either."""

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from ai_agent.models import Generation
from ai_agent.serializers import GenerationSerializer
from ultraminebackend.serializers import FastListSerializer, FastReadMixin

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_generations_listed_answer_what_drf_answers(user, zone, monkeypatch):
    Generation.objects.create(user=user, prompt="a rig", provider="placeholder", model="p")
    Generation.objects.create(
        user=user, prompt="a mine", status="failed", error_code="timeout", error_message="late"
    )
    rows = list(Generation.objects.all())
    request = APIRequestFactory().get("/api/x")

    def listed():
        serializer = GenerationSerializer(rows, many=True, context={"request": request})
        with timezone.override(zone):
            return JSONRenderer().render(serializer.data)

    fast = listed()
    monkeypatch.setattr(
        FastReadMixin, "to_representation", serializers.Serializer.to_representation
    )
    monkeypatch.setattr(
        FastListSerializer, "to_representation", serializers.ListSerializer.to_representation
    )
    stock = listed()

    assert fast == stock
    assert b'"error_code":null' in fast  # the serializer's own override ran
    assert b'"error_code":"timeout"' in fast
