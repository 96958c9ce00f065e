"""What one robots.txt says to one crawler, read as RFC 9309 says.

Reading is split in two. This module finds the group of rules that applies to
our product token (§2.1, §2.2.1); protego matches URLs against those rules
(§2.2.2, §2.2.3: `*` and `$`, the longest match wins, Allow wins a tie, paths
compared after percent-encoding is normalized, /robots.txt always allowed).

Why not let protego pick the group as well: it applies a group whose name is
any prefix of the token (`User-agent: Moo` would bind `Moorings-Fetch`), it
cannot say which rule refused a URL, and it keeps every group of the file. Here
the match is the RFC's: a group binds us when the product token of one of its
user-agent lines equals ours, ignoring case; groups that bind us are combined;
when none does, the `*` groups are used; when there are none either, everything
is allowed. Only the chosen rules are kept, so a cache of many sites holds no
rules for other crawlers.

The file is UTF-8 (§2.3): a byte-order mark is skipped, and a byte that is not
UTF-8 is read as U+FFFD, which is also what protego makes of such a byte
percent-encoded in a URL: a Latin-1 `Disallow: /café/` (é the byte E9) refuses
`/caf%E9/` (and the same path with any other invalid byte there), not the UTF-8
`/caf%C3%A9/`. Only the first MAX_PARSED_BYTES are read (§2.5 asks for at
least 500 KiB); a line cut there is dropped, as a cut `Disallow: /private`
would become `Disallow: /pri`. Lines are the RFC's (CR, LF or CRLF), `#` starts
a comment, and other records (Sitemap, Crawl-delay...) are ignored. As in
widely used parsers, `User agent`/`Useragent` and a few common
misspellings of `Disallow` are read as such, and the colon may be left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from protego import Protego

from moorings_core.errors import InvalidInput

__all__ = ["MAX_PARSED_BYTES", "RobotsGroup", "Rule", "product_token", "read_robots_txt"]

MAX_PARSED_BYTES = 500 * 1024

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DIRECTIVE = re.compile(
    r"(?P<field>user[- ]?agent|allow|disallow|dissallow|dissalow|disalow|diasllow|disallaw)"
    r"\s*(?::|\s|$)\s*(?P<value>.*)",
    re.IGNORECASE,
)
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
_MAX_SHOWN = 120  # characters of a robots.txt line quoted in a message
_MAX_TRIED = 100  # rules tried one by one to find the one that refused a URL


@dataclass(frozen=True)
class Rule:
    """An Allow or Disallow line of robots.txt, with its 1-based line number."""

    allow: bool
    pattern: str
    line: int

    def __str__(self) -> str:
        text = f"{'Allow' if self.allow else 'Disallow'}: {self.pattern}"
        return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


class RobotsGroup:
    """The rules of robots.txt that bind one product token.

    `user_agents` are the values of the user-agent lines that selected the
    rules (our token as the site spelled it, or `*`); empty when no group
    applies and everything is allowed.
    """

    def __init__(self, user_agents: tuple[str, ...], rules: tuple[Rule, ...]) -> None:
        self.user_agents = user_agents
        self.rules = rules
        self._matcher = Protego.parse(_as_one_group(rules))
        # Protego builds its index on the first match: do it now, so that later matches, which may run in
        # several worker threads at once, only read.
        self._matcher.can_fetch("http://robots.invalid/", "*")
        # What the cache counts: the parsed rules take memory in proportion (measured: protego needs
        # about 50 bytes per byte of wildcard rules, 7 per byte of plain ones).
        self.size = sum(len(rule.pattern) for rule in rules)

    def allows(self, url: str) -> bool:
        """Whether the rules let the crawler fetch `url` (a full URL; only its path and query count).

        Up to a tenth of a second for thousands of wildcard rules: call it off the event loop.
        """
        return bool(self._matcher.can_fetch(url, "*"))

    def refusing_rule(self, url: str) -> Rule | None:
        """The Disallow rule that refuses `url` (one `allows` refused), to quote; None if none is found.

        Protego does not say which rule decided, so the Disallow rules whose
        fixed beginning could match are tried one by one, longest first (the
        longest match decides), up to _MAX_TRIED of them.
        """
        parts = urlsplit(url)
        path = unquote(parts.path + ("?" + parts.query if parts.query else ""))
        candidates = [rule for rule in self.rules if not rule.allow and _may_match(rule.pattern, path)]
        candidates.sort(key=lambda rule: len(rule.pattern), reverse=True)
        # Each try parses a rule (about 0.1 ms); thousands of wildcard rules could all pass the quick test.
        for rule in candidates[:_MAX_TRIED]:
            if not Protego.parse(_as_one_group((rule,))).can_fetch(url, "*"):
                return rule
        return None

    def header(self) -> str:
        """The user-agent lines that selected the rules, as a message quotes them."""
        shown = ", ".join(f"User-agent: {agent}" for agent in self.user_agents[:3])
        return shown if len(self.user_agents) <= 3 else shown + ", …"


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: `Moorings-Fetch` in `Moorings-Fetch/0.1 (…)`."""
    match = _PRODUCT_TOKEN.match(user_agent.strip())
    if match is None:
        raise InvalidInput(
            f"The user agent {user_agent[:100]!r} does not start with a product token, which robots.txt"
            " rules are matched against.",
            hint="Start it with a name made of letters, '-' and '_', such as MyFetcher/1.0.",
        )
    return match.group()


def read_robots_txt(body: bytes, token: str, *, truncated: bool = False) -> RobotsGroup:
    """The rules of the robots.txt `body` that bind the product `token`.

    `truncated` says the body was cut before it reached us; its last line is then
    dropped like a line cut at MAX_PARSED_BYTES. Takes up to a second or two for
    a 500 KiB file of wildcard rules: call it off the event loop.
    """
    groups = _groups(_lines(body, truncated=truncated))
    wanted = token.lower()
    ours = [group for group in groups if any(_binds(agent, wanted) for agent in group.agents)]
    if ours:
        agents = tuple(
            dict.fromkeys(agent for group in ours for agent in group.agents if _binds(agent, wanted))
        )
    else:
        ours = [group for group in groups if any(_is_star(agent) for agent in group.agents)]
        agents = ("*",) if ours else ()
    rules = tuple(rule for group in ours for rule in group.rules)
    return RobotsGroup(agents, rules)


@dataclass
class _Group:
    agents: list[str]
    rules: list[Rule]


def _lines(body: bytes, *, truncated: bool) -> list[str]:
    cut = truncated or len(body) > MAX_PARSED_BYTES
    body = body[:MAX_PARSED_BYTES].removeprefix(b"\xef\xbb\xbf")
    lines = _LINE_BREAK.split(body.decode("utf-8", "replace"))
    return lines[:-1] if cut else lines


def _groups(lines: list[str]) -> list[_Group]:
    """The groups of the file (§2.1): user-agent lines, then the rules until the next user-agent line."""
    groups: list[_Group] = []
    in_rules = False  # the last directive was a rule, so the next user-agent line opens a new group
    for number, line in enumerate(lines, start=1):
        match = _DIRECTIVE.fullmatch(line.partition("#")[0].strip())
        if match is None:
            continue  # blank, a comment or another record
        field, value = match.group("field").lower(), match.group("value").strip()
        if field.startswith("user"):
            if in_rules or not groups:
                groups.append(_Group([], []))
                in_rules = False
            groups[-1].agents.append(value)
        elif groups:  # a rule before any user-agent line belongs to no group
            in_rules = True
            if value:  # `Disallow:` with no path allows everything: it adds no rule
                groups[-1].rules.append(Rule(field == "allow", value, number))
    return groups


def _binds(agent: str, token: str) -> bool:
    match = _PRODUCT_TOKEN.match(agent)
    return match is not None and match.group().lower() == token


def _is_star(agent: str) -> bool:
    return agent.split(maxsplit=1)[:1] == ["*"]


def _as_one_group(rules: tuple[Rule, ...]) -> str:
    """A robots.txt of `rules` alone, for everyone: what protego is given to match against."""
    return "User-agent: *\n" + "".join(
        f"{'Allow' if rule.allow else 'Disallow'}: {rule.pattern}\n" for rule in rules
    )


def _may_match(pattern: str, path: str) -> bool:
    """A quick, loose test: could the part of `pattern` before any wildcard start `path`?

    Both sides are fully percent-decoded, which makes more strings equal than
    RFC 9309 does, so a rule that matches is not left out (short of a pattern
    that ends inside an encoded UTF-8 character: then no rule is quoted).
    """
    fixed = pattern.split("*", 1)[0].removesuffix("$")
    return ("/" + path.lstrip("/")).startswith("/" + unquote(fixed).lstrip("/"))
