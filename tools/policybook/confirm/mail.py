"""E-mail by SMTP from the standard library: sign-in codes and reminders.

The connection is encrypted (STARTTLS on 587, or TLS from the start on 465) unless the settings say
``none``, meant for a mail server on the same machine. The password is read from the environment.
Messages are plain text; every value in them is one line of printable text, so nothing a policy or
register says can add a header.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from policybook.config import MailSettings
from policybook.errors import PolicybookError

PASSWORD_VARIABLE = "POLICYBOOK_SMTP_PASSWORD"
TIMEOUT_SECONDS = 20


def one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def message(settings: MailSettings, to: str, subject: str, text: str, copy: list[str] | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = to
    if copy:
        mail["Cc"] = ", ".join(copy)
    mail["Subject"] = one_line(subject)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    mail.set_content(text)
    return mail


def send(settings: MailSettings, mail: EmailMessage) -> None:
    """Send one message; any failure is a PolicybookError naming the server, never the password."""
    password = os.environ.get(PASSWORD_VARIABLE)
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                                    context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username and password:
                client.login(settings.username, password)
            client.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise PolicybookError(f"mail to {settings.host}:{settings.port} failed: {one_line(str(exc))}") from None


def code_message(settings: MailSettings, to: str, organisation: str, code: str, minutes: int) -> EmailMessage:
    shown = f"{code[:4]} {code[4:]}"
    text = (f"Your sign-in code for {one_line(organisation)}'s policies is:\n\n    {shown}\n\n"
            f"It works once, for the next {minutes} minutes. If you did not ask for it, you can ignore this "
            "e-mail: nobody can sign in as you without the code.\n")
    return message(settings, to, f"Your sign-in code: {shown}", text)
