"""The reference server's memo: `append_insight`, the `memo://insights` resource, the `mcp-demo` prompt.

Insights live in memory for as long as the server process runs, as in the reference server: they
are notes a model keeps during a session, never written to a database (so they work read-only
too). The memo is bounded; a full memo refuses new insights with a clear message. Appending one
tells subscribers of `memo://insights` that it changed.
"""

from __future__ import annotations

from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import LimitExceeded, MooringsServer, Output, ResourceSubscriptions, tool_result

__all__ = ["MEMO_URI", "Memo", "register"]

MEMO_URI = "memo://insights"
_MAX_INSIGHT_CHARS = 4_000
_MAX_INSIGHTS = 500


class MemoUpdated(Output):
    insights: int = Field(description="How many insights the memo holds now.")


class Memo:
    """The insights noted so far in this server process."""

    def __init__(self, subscriptions: ResourceSubscriptions, *, max_chars: int) -> None:
        self._subscriptions = subscriptions
        self._max_chars = max_chars
        self._insights: list[str] = []

    @property
    def resource(self) -> types.Resource:
        return types.Resource(
            uri=MEMO_URI,
            name="insights",
            title="Insights memo",
            description="The insights noted with append_insight during this session, as a short report.",
            mime_type="text/markdown",
        )

    def text(self) -> str:
        if not self._insights:
            return "# Insights\n\nNo insights yet: note them with append_insight as the analysis finds them."
        noted = "\n".join(f"- {insight}" for insight in self._insights)
        return f"# Insights\n\nWhat the analysis has found so far:\n\n{noted}\n"

    async def append(self, insight: str) -> int:
        """Note `insight`, tell the memo's subscribers, and return how many insights there are."""
        insight = " ".join(insight.split())  # one list item: no line breaks inside
        if len(self._insights) >= _MAX_INSIGHTS or len(self.text()) + len(insight) + 3 > self._max_chars:
            raise LimitExceeded(
                f"The memo is full ({len(self._insights):,} insights); it is kept in memory and bounded.",
                hint=f"Read {MEMO_URI} and summarise what is there in your answer instead.",
            )
        self._insights.append(insight)
        await self._subscriptions.publish_updated(MEMO_URI)
        return len(self._insights)


_DEMO_WITH_WRITES = """\
Let's explore a SQLite database together, with "{topic}" as the theme. You are the analyst; I am \
the stakeholder who wants answers, and I may not know SQL.

1. Look at what is already there with list_tables and describe_table. If nothing fits the theme, \
design two or three related tables for it with create_table and fill them with a few dozen \
believable rows using write_query (bind values with params).
2. Ask me which question about {topic} I care about most, offering three concrete choices.
3. Answer it with read_query: show the SQL you ran, then explain the result in plain words. Check \
slow queries with explain_query.
4. Each time you learn something worth keeping, note it with append_insight; the running memo is \
the resource memo://insights.
5. Finish with a short summary of the memo and one suggestion for what to look at next.

Keep each step short and wait for my answer where a step asks a question."""

_DEMO_READ_ONLY = """\
Let's explore a SQLite database together, with "{topic}" as the theme. You are the analyst; I am \
the stakeholder who wants answers, and I may not know SQL. This database is read-only: nothing \
can be created or changed, so we work with the data that is there.

1. Look at what is there with list_tables and describe_table, and tell me in two sentences what \
the data covers and how it relates to {topic}.
2. Ask me which question I care about most, offering three concrete choices the data can answer.
3. Answer it with read_query: show the SQL you ran, then explain the result in plain words. Check \
slow queries with explain_query.
4. Each time you learn something worth keeping, note it with append_insight; the running memo is \
the resource memo://insights.
5. Finish with a short summary of the memo and one suggestion for what to look at next.

Keep each step short and wait for my answer where a step asks a question."""


def register(server: MooringsServer, memo: Memo, *, writable: bool) -> None:
    """The append_insight tool and the mcp-demo prompt; the memo resource is served by `resources`."""

    @server.tool(title="Append insight", read_only=False, destructive=False)
    async def append_insight(
        insight: Annotated[
            str,
            Field(
                min_length=1, max_length=_MAX_INSIGHT_CHARS, description="One finding, in a sentence or two."
            ),
        ],
    ) -> Annotated[types.CallToolResult, MemoUpdated]:
        """Add a finding to the insights memo (the resource memo://insights).

        Use it to keep what an analysis has found during this session; the memo is kept in the
        server's memory only (never in the database) and is gone when the server stops.
        """
        count = await memo.append(insight)
        return tool_result(f"Insight added to the memo ({count:,} so far).", MemoUpdated(insights=count))

    template = _DEMO_WITH_WRITES if writable else _DEMO_READ_ONLY

    @server.prompt(
        name="mcp-demo",
        title="Guided SQLite demo",
        description="A guided data-analysis session on a theme: explore the database, answer a question "
        "with SQL, and keep the findings in the insights memo.",
    )
    def mcp_demo(
        topic: Annotated[str, Field(description="The theme of the demo, e.g. 'coffee shop sales'.")],
    ) -> str:
        return template.format(topic=" ".join(topic.split()))
