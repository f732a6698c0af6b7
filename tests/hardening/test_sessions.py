"""Sessions that can be revoked (hardening items 1 and 4): the cookies name a login row, not a person.

Each replay keeps a browser's cookies, does what should end them (log out, log out everywhere, a new
password, deleting the account), then sends the copies from a fresh client: nobody is logged in.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from werkzeug.http import parse_date

from roombook import clock
from roombook.access import accounts, privacy
from roombook.models import Login, User
from tests.conftest import as_new_request, csrf_token, login

PASSWORD = "richtig-langes-pw"
COOKIES = ("session", "remember_token")


def post(client, url: str, data: dict | None = None, page: str = "/privacy/"):
    as_new_request()
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def cookies_of(client) -> dict[str, str]:
    """A copy of the browser's login cookies, as someone who copied them would keep them."""
    return {name: client.get_cookie(name).value for name in COOKIES if client.get_cookie(name) is not None}


def who_is(app, cookies: dict[str, str]) -> str | None:
    """Whose data a fresh browser with just these cookies is shown (None: it is sent to log in)."""
    visitor = app.test_client()
    for name, value in cookies.items():
        visitor.set_cookie(name, value)
    as_new_request()
    answer = visitor.get("/privacy/export.json")
    as_new_request()
    if answer.status_code == 302:
        assert "/login" in answer.headers["Location"]
        return None
    assert answer.status_code == 200
    return answer.get_json()["user"]["email"]


def test_a_deleted_accounts_cookies_do_not_log_into_the_next_account(app, client, session, make_user):
    make_user("volunteer", email="a@example.org", password=PASSWORD)
    login(client, "a@example.org", PASSWORD, remember=True)
    kept = cookies_of(client)
    assert set(kept) == set(COOKIES) and who_is(app, kept) == "a@example.org"
    assert post(client, "/privacy/delete", {"password": PASSWORD}).status_code == 302
    make_user("coordinator", email="b@example.org", password="ein-anderes-pw")
    assert who_is(app, kept) is None
    assert who_is(app, {"remember_token": kept["remember_token"]}) is None
    assert who_is(app, {"session": kept["session"]}) is None


def test_user_ids_are_never_handed_out_again(session, make_user):
    first = make_user(email="first@example.org")
    newest = make_user(email="newest@example.org")  # the highest id: the one SQLite used to hand out again
    newest_id = newest.id
    privacy.delete_user(session, first, newest)
    assert make_user(email="next@example.org").id > newest_id


def test_a_copy_of_the_session_cookie_is_dead_after_logout(app, client, session, make_user):
    make_user(email="vol@example.org", password=PASSWORD)
    login(client, "vol@example.org", PASSWORD)
    kept = cookies_of(client)
    assert who_is(app, kept) == "vol@example.org"
    assert post(client, "/logout", page="/").status_code == 302
    assert who_is(app, kept) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Login)) == 0


def test_the_remember_me_cookie_is_new_on_every_login_and_dies_at_logout(app, client, session, make_user):
    make_user(email="vol@example.org", password=PASSWORD)
    other = app.test_client()
    login(client, "vol@example.org", PASSWORD, remember=True)
    login(other, "vol@example.org", PASSWORD, remember=True)
    mine, theirs = cookies_of(client)["remember_token"], cookies_of(other)["remember_token"]
    assert mine != theirs
    assert who_is(app, {"remember_token": mine}) == "vol@example.org"
    post(client, "/logout", page="/")
    assert who_is(app, {"remember_token": mine}) is None
    assert who_is(app, {"remember_token": theirs}) == "vol@example.org"  # only that login ended


def test_a_remembered_login_lasts_thirty_days(app, client, session, make_user):
    make_user(email="vol@example.org", password=PASSWORD)
    signed_in = clock.now()
    answer = login(client, "vol@example.org", PASSWORD, remember=True)
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parse_date(cookie.split("Expires=")[1].split(";")[0])
    assert abs(expires - (signed_in + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    remembered = {"remember_token": cookies_of(client)["remember_token"]}
    with clock.frozen(signed_in + dt.timedelta(days=29)):
        assert who_is(app, remembered) == "vol@example.org"
    with clock.frozen(signed_in + dt.timedelta(days=30, minutes=1)):
        assert who_is(app, remembered) is None


def test_a_login_without_remember_me_ends_on_the_server_after_a_working_day(app, client, session, make_user):
    make_user(email="vol@example.org", password=PASSWORD)
    signed_in = clock.now()
    login(client, "vol@example.org", PASSWORD)
    kept = cookies_of(client)
    assert "remember_token" not in kept
    with clock.frozen(signed_in + dt.timedelta(hours=11)):
        assert who_is(app, kept) == "vol@example.org"
    with clock.frozen(signed_in + dt.timedelta(hours=12, minutes=1)):
        assert who_is(app, kept) is None


def test_log_out_everywhere_ends_every_browsers_login(app, client, session, make_user):
    make_user(email="vol@example.org", password=PASSWORD)
    someone = make_user(email="someone@example.org", password=PASSWORD)
    phone, elsewhere = app.test_client(), app.test_client()
    login(phone, "vol@example.org", PASSWORD, remember=True)
    login(elsewhere, "someone@example.org", PASSWORD)
    login(client, "vol@example.org", PASSWORD)
    on_phone, laptop = cookies_of(phone), cookies_of(client)
    as_new_request()
    page = client.get("/privacy/").get_data(as_text=True)
    assert 'action="/logout/everywhere"' in page
    answer = post(client, "/logout/everywhere")
    assert answer.status_code == 302
    as_new_request()
    assert "Sie sind jetzt überall abgemeldet." in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert who_is(app, on_phone) is None and who_is(app, laptop) is None
    assert who_is(app, {"remember_token": on_phone["remember_token"]}) is None
    assert who_is(app, cookies_of(elsewhere)) == "someone@example.org"  # nobody else's
    assert [login.user_id for login in session.scalars(sa.select(Login))] == [someone.id]


def test_log_out_everywhere_needs_a_login_and_csrf(client, session, make_user):
    answer = client.post("/logout/everywhere")
    assert answer.status_code in (302, 400)
    make_user(email="vol@example.org", password=PASSWORD)
    login(client, "vol@example.org", PASSWORD)
    as_new_request()
    assert client.post("/logout/everywhere").status_code == 400  # no CSRF token
    assert session.scalar(sa.select(sa.func.count()).select_from(Login)) == 1


def test_a_new_password_ends_every_login(app, client, session, make_user):
    user = make_user(email="vol@example.org", password=PASSWORD)
    login(client, "vol@example.org", PASSWORD, remember=True)
    kept = cookies_of(client)
    accounts.set_password(session, user, "ein-neues-langes-pw")
    assert who_is(app, kept) is None
    assert who_is(app, {"remember_token": kept["remember_token"]}) is None
    assert user.check_password("ein-neues-langes-pw")


def test_only_the_hash_of_a_logins_secret_is_stored_and_it_is_in_the_export(app, client, session, make_user):
    user = make_user(email="vol@example.org", password=PASSWORD)
    login(client, "vol@example.org", PASSWORD, remember=True)
    secret = user.get_id()  # the signed-in object carries its login's secret for the cookies
    assert secret != str(user.id) and len(secret) >= 40
    [row] = session.scalars(sa.select(Login).where(Login.user_id == user.id))
    assert secret not in row.secret_hash
    as_new_request()
    exported = client.get("/privacy/export.json")
    assert secret not in exported.get_data(as_text=True)
    assert [entry["remember"] for entry in exported.get_json()["logins"]] == [True]


def test_a_deactivated_persons_logins_open_nothing(app, client, session, make_user):
    user = make_user(email="vol@example.org", password=PASSWORD)
    login(client, "vol@example.org", PASSWORD, remember=True)
    kept = cookies_of(client)
    user.active = False
    session.flush()
    assert who_is(app, kept) is None


def test_a_cookie_naming_a_user_id_logs_nobody_in(app, client, session, make_user):
    """The id Flask-Login used to keep: a session cookie of before this change, or a forged one."""
    user = make_user(email="vol@example.org", password=PASSWORD)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user.id)
        flask_session["_fresh"] = True
    assert who_is(app, cookies_of(client)) is None
    assert session.get(User, user.id) is not None
