"""Request bodies of the JSON API: scripts → web/api → returns / linking / claims.

Each POST body is a pydantic model checked before the library sees it, so a field of the wrong type, an
over-long text or a number that is not finite is a 422 naming the field, never a crash deeper in. The
library keeps its own rules (which step, which state); these models only say what shape may reach it.
Numbers may come as JSON numbers or numeric text ("2", "19.90"); true/false is never a number.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, create_model

from central.claims import EDITABLE


def _not_bool(v):
    if isinstance(v, bool):
        raise ValueError("must be a number, not true/false")
    return v


Name = Annotated[str, StringConstraints(max_length=200)]          # a reference, code, SKU, supplier, PO, step
Text = Annotated[str, StringConstraints(max_length=4000)]         # a reason, a note, a summary
Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=1_000_000_000)]
Number = Annotated[float, BeforeValidator(_not_bool), Field(ge=-1e12, le=1e12)]  # finite: see Body


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LineBody(Body):
    sku: Name | None = None
    product: Name | None = None
    quantity: Count | None = None
    unit_value: Number | None = None
    batch: Name | None = None
    supplier: Name | None = None
    po: Name | None = None


class ReturnBody(LineBody):
    """A return; its `lines`, or its own line fields when it is one line (they are also the lines' defaults)."""
    rma_ref: Name | None = None
    order_id: Name | None = None
    order_date: Name | None = None
    customer_name: Name | None = None
    customer_address: Text | None = None
    customer_email: Name | None = None
    customer_phone: Name | None = None
    reason: Text | None = None
    status: Name | None = None
    note: Text | None = None
    lines: list[LineBody] | None = None


class LinkBody(Body):
    return_ref: Name
    sku: Name | None = None
    category: Name | None = None


class ClaimBody(Body):
    supplier: Name
    po: Name
    batch: Name | None = None


# The fields a buyer may change (the claims library's EDITABLE), each with its type; the rest are text.
_EDIT_TYPES = {"quantity.total": Count, "value.claimed": Number}
Changes = create_model("Changes", __base__=Body, **{
    k.replace(".", "__"): (_EDIT_TYPES.get(k, Text) | None, Field(None, alias=k)) for k in sorted(EDITABLE)})


class ReviseBody(Body):
    reason: Text = ""
    changes: Changes | None = None
    corrects: Count | None = None
    regather: bool = False


class ApproveBody(Body):
    step: Name
    po: Name
    version: Count
    remaining_evidence: Annotated[list[Name], Field(max_length=50)] | None = None
    due_date: Name | None = None
    exception: Name | None = None
    note: Text = ""


class EvidenceBody(Body):
    item: Name
    note: Text = ""


class RefuseBody(Body):
    version: Count
    reason: Text = ""


class ResponseBody(Body):
    kind: Name
    amount: Number | None = None
    quantity: Count | None = None
    reason: Text = ""
    note: Text = ""


class CloseBody(Body):
    """The six-line closeout note; a missing line is the library's to name, an unknown key is refused here."""
    issue: Text = ""
    affected_field: Text = ""
    supplier_explanation: Text = ""
    evidence_reviewed: Text = ""
    buyer_decision: Text = ""
    next_control: Text = ""


class RegionBody(Body):
    """A box a buyer draws over a photo (fractions of the upright photo); whether it lies inside is checked later."""
    x: Number
    y: Number
    w: Number
    h: Number
    why: Text = ""


# Pydantic's error types in the words the rest of the API uses.
_REASONS = {
    "missing": "is required", "string_type": "must be text", "int_type": "must be a whole number",
    "int_parsing": "must be a whole number", "int_from_float": "must be a whole number",
    "float_type": "must be a number", "float_parsing": "must be a number", "finite_number": "must be a finite number",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false", "list_type": "must be a list",
    "dict_type": "must be an object", "model_type": "must be an object", "model_attributes_type": "must be an object",
}


UNKNOWN = "is not a field here"


def _reason(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("less_than_equal", "greater_than_equal"):
        return f"must be at {'most' if kind == 'less_than_equal' else 'least'} {ctx.get('le', ctx.get('ge'))}"
    if kind == "string_too_long":
        return f"is longer than {ctx['max_length']} characters"
    if kind == "too_long":
        return f"has more than {ctx['max_length']} items"
    return _REASONS.get(kind) or err["msg"][0].lower() + err["msg"][1:]


def _model_in(t) -> type[BaseModel] | None:
    """The model inside an annotation such as `Changes | None` or `list[LineBody]`."""
    if isinstance(t, type) and issubclass(t, BaseModel):
        return t
    return next((m for m in map(_model_in, get_args(t)) if m is not None), None)


def _fields_at(model: type[BaseModel] | None, loc: tuple) -> list[str]:
    """The field names (as sent) of the object at `loc` inside `model`."""
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        f = next((f for k, f in model.model_fields.items() if part in (k, f.alias)), None)
        model = _model_in(f.annotation) if f is not None else None
    return [f.alias or k for k, f in model.model_fields.items()] if model is not None else []


def _field(loc: tuple, prefix: str) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def problems(model: type[Body], data, prefix: str = "") -> list[dict]:
    """What is wrong with `data` as `model`: [{field, reason}] (an unknown field also lists `allowed`)."""
    try:
        model.model_validate(data)
    except ValidationError as e:
        out = []
        for err in e.errors(include_url=False):
            if err["type"] == "extra_forbidden":
                out.append({"field": _field(err["loc"], prefix), "reason": UNKNOWN,
                            "allowed": _fields_at(model, err["loc"][:-1])})
            else:
                out.append({"field": _field(err["loc"], prefix), "reason": _reason(err)})
        return out
    return []


def message(details: list[dict]) -> str:
    """One sentence naming every bad field; unknown ones together, with the fields that object does take."""
    parts = [f"{d['field']} {d['reason']}" for d in details if d["reason"] != UNKNOWN]
    groups: dict[tuple, list[str]] = {}
    for d in details:
        if d["reason"] == UNKNOWN:
            groups.setdefault(tuple(d.get("allowed") or ()), []).append(d["field"])
    for allowed, names in groups.items():
        parts.append(f"unknown field(s): {', '.join(names)}" + (f" (fields: {', '.join(allowed)})" if allowed else ""))
    return "; ".join(parts)
