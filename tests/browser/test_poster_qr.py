"""The residents' poster on a 360 px phone: the volunteers' public German conversation group in Arabic, and a QR
code that, photographed off the page and decoded (jsQR, the decoder phone browsers' scanners are built like),
leads to the online schedule in the poster's language. The poster keeps the content security policy."""
from __future__ import annotations

import base64
import re

import sqlalchemy as sa
from playwright.sync_api import expect

from roombook.clock import week_of
from roombook.db import db
from roombook.models import Booking
from tests.browser.conftest import (
    ROOT,
    describe,
    has_horizontal_scroll,
    screenshot,
    serious_accessibility_violations,
)

JSQR = ROOT / "node_modules" / "jsqr" / "dist" / "jsQR.js"
GROUP_AR = "مجموعة المحادثة باللغة الألمانية"


def _decode(page, png: bytes) -> str | None:
    """Decode a QR code from a PNG (a screenshot of what the page shows) with jsQR, run in the page."""
    page.add_script_tag(path=str(JSQR))
    return page.evaluate("""async (data) => {
        const image = new Image();
        image.src = 'data:image/png;base64,' + data;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(pixels.data, pixels.width, pixels.height);
        return code ? code.data : null;
    }""", base64.b64encode(png).decode())


def _csp_refusals(browser, url: str) -> list[str]:
    """What the browser refuses on the page with the content security policy enforced."""
    context = browser.new_context(locale="ar", timezone_id="Europe/Berlin", viewport={"width": 360, "height": 740})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(url)
    page.wait_for_load_state("load")
    context.close()
    return refused


def test_the_poster_on_a_phone_has_a_qr_code_of_the_schedule_in_its_language(app, live_server, phone, browser):
    assert JSQR.exists(), "jsQR is missing: `npm ci` installs the test tools"
    with app.app_context():
        first = db.session.scalar(sa.select(Booking.starts_at).where(Booking.title == "Deutsch-Gesprächsgruppe")
                                  .order_by(Booking.starts_at))
        db.session.remove()
    week = week_of(first.date()).isoformat()
    poster = f"{live_server}/accommodations/nord/poster?lang=ar&week={week}"
    phone.goto(poster)
    assert phone.locator("html").get_attribute("dir") == "rtl"
    group = phone.locator(".entry.booking", has_text=GROUP_AR)
    expect(group).to_be_visible()
    expect(group).to_contain_text("نشاط تطوعي")  # its kind, in Arabic
    assert not has_horizontal_scroll(phone)

    qr = phone.locator(".qr-code svg.qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["width"] <= 360, box  # large enough to scan, inside the screen
    decoded = _decode(phone, qr.screenshot())
    expected = app.config["ROOMBOOK_BASE_URL"].rstrip("/") + "/accommodations/nord/offers?lang=ar"
    assert decoded == expected
    screenshot(phone, "poster-qr-phone-ar")

    # the code leads to the schedule in Arabic (followed on this server, whose address differs from the base URL)
    phone.goto(live_server + decoded.removeprefix(app.config["ROOMBOOK_BASE_URL"].rstrip("/")))
    assert phone.locator("html").get_attribute("lang") == "ar"
    expect(phone.get_by_role("heading", level=1)).to_contain_text("العروض في")

    phone.goto(poster)
    violations = serious_accessibility_violations(phone)
    assert violations == [], describe(violations)
    assert _csp_refusals(browser, poster) == []
    # printed, the week with its QR code stays one A4 page
    phone.emulate_media(media="print")
    pdf = phone.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert re.search(rb"/Count 1\b", pdf), "the poster runs over one page"
