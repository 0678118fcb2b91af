"""Generations are filtered by ``filterset_fields``: the backend's shortcut reads those names."""

import pytest

from ai_agent.views import GenerationViewSet
from ultraminebackend.filters import _filter_names

pytestmark = pytest.mark.django_db


def test_an_invalid_status_is_a_400(client_for, user):
    response = client_for(user).get("/api/ai-agent/generations/?status=bogus")

    assert response.status_code == 400
    assert response.json()


def test_the_generation_views_filter_names_come_from_its_fields():
    assert _filter_names(GenerationViewSet()) == ("status",)
