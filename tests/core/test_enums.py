"""Enums declare each member's value and label together; members are their values."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from training.accounts.models import Role
from training.attendance.models import MarkMethod, SignatureDevice
from training.catalogue.models import SessionStatus, Track
from training.enums import LabelledEnum


def test_a_member_is_its_value_and_carries_its_own_label(ctx):
    # Equal across enums, as the database stores them...
    assert MarkMethod.TRAINER == SignatureDevice.TRAINER == Role.TRAINER == "trainer"
    assert MarkMethod.ADMIN == Role.ADMIN == "admin"
    # ...yet each labelled by its own enum.
    assert MarkMethod.API.label == "API"
    assert MarkMethod.ADMIN.label == "Training office" and Role.ADMIN.label == "Administrator"
    assert SignatureDevice.TRAINER.label == "on the trainer's device, with their password"
    assert MarkMethod("api") is MarkMethod.API and str(MarkMethod.API) == "api"


def test_labels_and_choices_follow_the_locale_of_the_moment(ctx):
    with force_locale("fr"):
        assert Track.RESEARCH.label == "Recherche"
        assert [(c.value, c.label) for c in Track.choices()][0] == ("research", "Recherche")
    assert [(c.value, c.label) for c in Track.choices()] == [
        ("research", "Research"),
        ("biomanufacturing", "Biomanufacturing"),
        ("entrepreneurship", "Entrepreneurship"),
    ]


def test_templates_compare_with_members(ctx):
    assert {enum_cls.__name__ for enum_cls in LabelledEnum.__subclasses__()} >= {"SessionStatus", "MarkMethod"}
    template = "{{ 'off' if status == SessionStatus.CANCELLED else 'on' }} {{ SessionStatus.CANCELLED.label }}"
    assert render_template_string(template, status=SessionStatus.CANCELLED) == "off Cancelled"
    assert render_template_string(template, status=SessionStatus.SCHEDULED) == "on Cancelled"
