"""The station's local screen (desk → screen): a small Flask app on localhost shown by Chromium in kiosk mode.

The page polls nothing on a timer: it long-polls /api/state for the desk's next change and shows the live
preview as MJPEG. Buttons post to /api/<action>; every post carries the X-Desk header, which a page
from elsewhere cannot send without a CORS preflight this app never grants.
"""

from __future__ import annotations

from flask import Flask, Response, abort, jsonify, render_template, request

ACTIONS = ("capture", "retake", "accept", "done", "cancel")


def create_app(desk, preview=None, test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(test_config or {})

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self'; script-src 'self'; "
                                                   "style-src 'self'; connect-src 'self'; frame-ancestors 'none'")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.get("/")
    def index():
        return render_template("desk.html", view=desk.view())

    @app.get("/api/state")
    def state():
        since = request.args.get("since", type=int)
        if since is None:
            return jsonify(desk.view())
        return jsonify(desk.wait_change(since, min(request.args.get("wait", 20.0, type=float), 25.0)))

    def guarded():
        if request.headers.get("X-Desk") != "1":
            abort(403, "missing X-Desk header")

    @app.post("/api/<action>")
    def act(action):
        guarded()
        if action not in ACTIONS:
            abort(404)
        {"capture": desk.capture, "retake": desk.retake, "accept": desk.accept_anyway,
         "done": desk.done, "cancel": desk.cancel}[action]()
        return jsonify(desk.view())

    @app.post("/api/category")
    def category():
        guarded()
        name = (request.get_json(silent=True) or {}).get("name")
        if not isinstance(name, str):
            abort(400, "category name missing")
        desk.choose_category(name)
        return jsonify(desk.view())

    @app.post("/api/scan")
    def scan():
        """A code typed on the screen when a label will not scan; treated exactly like a scan."""
        guarded()
        code = (request.get_json(silent=True) or {}).get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > 200:
            abort(400, "code missing")
        desk.handle_code(code)
        return jsonify(desk.view())

    @app.get("/thumb/<photo_id>.jpg")
    def thumb(photo_id):
        data = desk.thumbs.get(photo_id)
        if data is None:
            abort(404)
        return Response(data, mimetype="image/jpeg")

    @app.get("/api/hints")
    def hints():
        return jsonify(preview.hints if preview else {"ok": None, "reasons": [], "messages": {}})

    @app.get("/preview.mjpg")
    def mjpeg():
        if preview is None:
            abort(404)

        def frames():
            seen = -1
            while preview.running:
                seen, jpeg = preview.next_frame(seen)
                if jpeg is None:
                    continue
                yield (b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                       + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
        return Response(frames(), mimetype="multipart/x-mixed-replace; boundary=frame")

    return app
