"""The forms of an HTML page as a browser sees them: action, method and fields (with their options)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Field:
    """One named control: its kind ("text", "date", "select", "checkbox", ...) and the values offered."""

    name: str
    kind: str
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, option: str | None = None) -> None:
        """Record a control; radios and checkboxes sharing a name add their values as options."""
        known = self.fields.setdefault(name, Field(name, kind))
        if option is not None and option not in known.options:
            known.options.append(option)


class FormParser(HTMLParser):
    """Collects every <form> with the names of its <input>, <select> (and <option>), <textarea> and
    submit buttons (a button's name and value are sent when it is the one clicked)."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url, self.forms, self.form, self.select = page_url, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page_url, attrs.get("action") or self.page_url)).path
            self.form = Form(action, (attrs.get("method") or "get").upper())
            self.forms.append(self.form)
        elif self.form is not None and (attrs.get("name") or tag == "option"):
            self._control(tag, attrs)

    def _control(self, tag: str, attrs: dict) -> None:
        kind = attrs.get("type", "submit" if tag == "button" else "text").lower()
        if tag in ("input", "button") and kind in ("submit", "image"):
            self.form.add(attrs["name"], "button", attrs.get("value", ""))
        elif tag == "input" and kind not in ("button", "reset"):
            offered = attrs.get("value", "y" if kind == "checkbox" else None)
            self.form.add(attrs["name"], kind, offered if kind in ("checkbox", "radio", "hidden") else None)
        elif tag == "select":
            self.select = attrs["name"]
            self.form.add(self.select, "select")
        elif tag == "option" and self.select:
            self.form.add(self.select, "select", attrs.get("value", ""))
        elif tag == "textarea":
            self.form.add(attrs["name"], "textarea")

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def forms_of(html: str, page_url: str) -> list[Form]:
    """The forms of a page; relative actions are resolved against `page_url`."""
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms
