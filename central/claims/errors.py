"""Claim rule failures (claims → CLI/API): each carries the HTTP status the API answers with."""


class ClaimError(ValueError):
    status = 400


class NotFound(ClaimError):
    status = 404


class Conflict(ClaimError):
    status = 409
