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
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from policybook.config import MailSettings
from policybook.errors import PolicybookError

PASSWORD_VARIABLE = "POLICYBOOK_SMTP_PASSWORD"
TIMEOUT_SECONDS = 20


def one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def single_address(text: str) -> Address:
    """``text`` as exactly one plain address (no name, no group, no second address after a comma or
    semicolon), as the e-mail package parses it; a PolicybookError otherwise, so that a register entry
    can never add a recipient."""
    try:
        address = Address(addr_spec=text.strip())
    except (ValueError, IndexError) as exc:
        raise PolicybookError(f"{one_line(text)!r} is not a single e-mail address: {one_line(str(exc))}") from None
    if not address.username or not address.domain or address.addr_spec != text.strip():
        raise PolicybookError(f"{one_line(text)!r} is not a single e-mail address")
    return address


def is_single_address(text: str) -> bool:
    try:
        single_address(text)
    except PolicybookError:
        return False
    return True


def message(settings: MailSettings, to: str, subject: str, text: str, copy: list[str] | None = None) -> EmailMessage:
    """A plain-text message to exactly the addresses given: each must be a single address."""
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = single_address(to)
    if copy:
        mail["Cc"] = [single_address(address) for address in copy]
    mail["Subject"] = one_line(subject)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    mail.set_content(text)
    return mail


def send(settings: MailSettings, mail: EmailMessage, timeout: float = TIMEOUT_SECONDS) -> None:
    """Send one message, each step within ``timeout`` seconds; any failure is a PolicybookError naming
    the server, never the password."""
    password = os.environ.get(PASSWORD_VARIABLE)
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
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
