"""The e-mail of a notification (text and HTML) and its sending over SMTP."""

from __future__ import annotations

import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from notifications.config import Settings
from notifications.inbox.models import Notification


def compose(settings: Settings, to: str, notification: Notification) -> EmailMessage:
    lien = str((notification.donnees or {}).get("lien") or "")
    url = settings.console_url.rstrip("/") + lien if lien.startswith("/") else ""
    message = EmailMessage()
    message["Subject"] = notification.titre
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="mif.ma")
    message["X-MIF-Notification"] = str(notification.id)
    text = f"{notification.message}\n"
    if url:
        text += f"\nOuvrir dans la console : {url}\n"
    text += "\n-- \nMIF Maroc, maintenance industrielle\n"
    message.set_content(text)
    link = (
        f'<p><a href="{html.escape(url, quote=True)}">Ouvrir dans la console</a></p>' if url else ""
    )
    message.add_alternative(
        '<!doctype html><html lang="fr"><body>'
        f"<h2>{html.escape(notification.titre)}</h2>"
        f"<p>{html.escape(notification.message)}</p>{link}"
        '<p style="color:#666">MIF Maroc, maintenance industrielle</p></body></html>',
        subtype="html",
    )
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host
    client_cls = smtplib.SMTP_SSL if settings.smtp_ssl else smtplib.SMTP
    with client_cls(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
