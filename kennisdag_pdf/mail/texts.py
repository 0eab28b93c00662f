"""The built-in mail texts: one table per language, keyed like i18n.LANGUAGES.

A language of the brochure is a language of the mail too: tests check that every language in
i18n.LANGUAGES has every key here. mail.yaml can override any of these per language.

Placeholders in braces are filled per recipient (see PLACEHOLDERS); a literal brace is
written twice. The HTML alternative is made from the same plain text (message.html_body), so
that an override of the body changes both and the organiser writes no HTML.
"""

from __future__ import annotations

PLACEHOLDERS = {
    "salutation": "the recipient's salutation: their CSV column, or the salutation text",
    "name": "the recipient's name",
    "title": "the event's title",
    "date": "the day of the event, written out in the recipient's language",
    "venue": "the event's venue",
    "city": "the event's city",
    "organisers": "the organisers' names, joined with commas and 'and'/'en'",
    "attachment": "the file name of the attached brochure",
}
# The salutation and the attachment's name are themselves placeholders: they draw on the rest.
DERIVED = ("salutation", "attachment")

MAIL_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "subject": "Verslag van de kennisdag ‘{title}’",
        "salutation": "Beste {name}",
        "body": (
            "{salutation},\n"
            "\n"
            "Hartelijk dank voor uw deelname aan de kennisdag ‘{title}’ op {date} in {venue}, "
            "{city}. In de bijlage vindt u het verslag van de dag.\n"
            "\n"
            "Met vriendelijke groet,\n"
            "\n"
            "{organisers}"
        ),
        "attachment": "Verslag kennisdag {title}",
    },
    "en": {
        "subject": "Report of the knowledge day ‘{title}’",
        "salutation": "Dear {name}",
        "body": (
            "{salutation},\n"
            "\n"
            "Thank you for taking part in the knowledge day ‘{title}’ on {date} at {venue}, "
            "{city}. The report of the day is attached.\n"
            "\n"
            "Kind regards,\n"
            "\n"
            "{organisers}"
        ),
        "attachment": "Knowledge day report {title}",
    },
}

# The frame of the HTML alternative; every value put into it is escaped first.
HTML_PAGE = """\
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{subject}</title>
</head>
<body style="font-family: Georgia, 'Times New Roman', serif; font-size: 16px; \
line-height: 1.5; color: #222222; max-width: 40em;">
{paragraphs}
</body>
</html>
"""
