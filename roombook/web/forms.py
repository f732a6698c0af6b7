"""Forms (Flask-WTF: CSRF on every one)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField("E-Mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Passwort / Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Angemeldet bleiben / Remember me")
    submit = SubmitField("Anmelden / Log in")
