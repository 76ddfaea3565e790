"""Organization pages as live content inside a kept shell.

Rendering the frame of a registration page (base templates, branding, menu, footer) cost as much
CPU as the page's own content, on every request of a sales rush. The frame depends only on the
organization's content, the host and the page's template: it is rendered once per process and
content generation (cms.page_cache; any edit moves it on) with markers where the title and the
content go, and each request renders the content alone and fills the markers in.

A page template for this has ``{% block title %}{{ title }}{% endblock %}`` and a content block
of ``{% if shell_only %}<!--tessera:content-->{% else %}{% include content %}{% endif %}``, so it
still renders whole where no shell is kept (messages waiting for this browser show in the frame).
"""

from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import escape

from cms.page_cache import KeptInProcess, content_generation

CONTENT = "<!--tessera:content-->"
TITLE = "\ue010"  # a private-use character: passes autoescaping unchanged and never occurs in text
_shells = KeptInProcess(256)


def shell_response(request, template: str, content: str, context: dict, *, title: str, status: int = 200,
                   content_html: str | None = None):
    """``template`` around ``content`` (both template names) rendered with ``context``;
    ``content_html``: the content already rendered (the frame is still rendered whole when
    messages are waiting)."""
    context = {**context, "title": title}
    if len(get_messages(request)):
        return TemplateResponse(request, template, context, status=status)

    def halves() -> tuple[str, str]:
        shell = render_to_string(template, {**context, "title": TITLE, "shell_only": True}, request)
        head, marker, tail = shell.partition(CONTENT)
        if not marker:
            raise ValueError(f"{template} has no content marker")
        return head, tail

    head, tail = _shells.get_or_make(
        (connection.schema_name, content_generation(), request.get_host(), template), halves)
    if content_html is None:
        content_html = render_to_string(content, context, request)
    html = head.replace(TITLE, escape(title), 1) + content_html + tail
    return HttpResponse(html, status=status)
