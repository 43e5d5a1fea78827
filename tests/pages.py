"""Helpers of the page tests: sign in a test client, read the page, read a field's errors."""

import html
import re


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def errors_for(response, name: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(rf'data-error-for="{name}">([^<]+)<', text(response))]
