"""The declarative description of one publisher's report layout (see extract/layouts/)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Markers(_Frozen):
    new: str
    covid: str
    policy_box: str
    scale_heading: str
    running_head: str
    issuer: str
    municipality: str


class BoxLabels(_Frozen):
    goal: str
    policy: str
    measure: str


class SheetColumns(_Frozen):
    measure: str
    initiative: str
    department: str
    results: str
    prev_rating: str
    rating: str
    outlook: str


class CommentColumns(_Frozen):
    sheet: str
    policy: str
    number: str
    response: str
    opinion: str


class Scale(_Frozen):
    line: str


class Layout(_Frozen):
    name: str
    description: str
    markers: Markers
    box: BoxLabels
    sheet_columns: SheetColumns
    comment_columns: CommentColumns
    scale: Scale
