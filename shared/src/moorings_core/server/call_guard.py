"""The guard around every `tools/call`: strict arguments, a deadline, and a bounded result.

It wraps the SDK's own handler through the SDK's public hook for that (`Extension.
intercept_tool_call`), so results still go through the SDK's per-era shaping. In order:

1. A tool the server does not have is a protocol error (`-32602`, as the specification asks),
   naming the tools there are. A tool the server withholds (a write tool on a read-only server,
   say) is answered as a tool result the model reads, with why it is off and how the operator
   turns it on.
2. The arguments are checked strictly against the tool's argument model, from which the schema the
   client was shown is generated (`ArgumentChecker`): no `"5"` for an integer, no unknown argument
   dropped without a word. A tool declared by its schema (`MooringsServer.schema_tool`) brings its
   own checker, which validates against that schema (`SchemaArgumentChecker`).
3. The call runs under the server's `--call-timeout`; past it, the call is cancelled and answered
   with what to do instead.
4. Every secret of the server's settings (and any it registered) is replaced with `[redacted]` in
   the result's text and structured content, and in a protocol error's message (`Redactor`):
   an upstream that echoes a token back does not hand it to the model. Before the cut below, so
   that a cut never leaves half a secret.
5. Any text block longer than `--max-output-chars` is cut with a note: the safety net behind each
   tool's own paging.

As an extension, the guard is advertised in the server's capabilities with its limits, so a
client can read them (`dev.moorings/call-guard`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import anyio
import mcp_types as types
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension
from mcp.server.mcpserver.tools import Tool
from mcp.shared.exceptions import MCPError

from moorings_core.config import ServerSettings
from moorings_core.redaction import Redactor
from moorings_core.server.arguments import ArgumentChecker

__all__ = ["ArgumentCheck", "CallGuard", "error_result"]


class ArgumentCheck(Protocol):
    """What checks one tool's arguments: a message saying what is wrong, or None when they fit."""

    def problems(self, arguments: Mapping[str, Any], /) -> str | None: ...


def error_result(text: str) -> types.CallToolResult:
    """A tool result the model reads as a failure."""
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


class CallGuard(Extension):
    """Checks, times and bounds every tool call of one server."""

    identifier = "dev.moorings/call-guard"

    def __init__(
        self,
        settings: ServerSettings,
        tools: Mapping[str, Tool],
        withheld: Mapping[str, str],
        checkers: Mapping[str, ArgumentCheck] | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        """`checkers` are the tools' own checkers, where a tool brings one; the others get an
        `ArgumentChecker` for their argument model. `redactor` holds the secrets no result may
        carry (by default, those of `settings`)."""
        self._settings = settings
        self._tools = tools
        self._withheld = withheld
        self._checkers: dict[str, ArgumentCheck] = dict(checkers or {})
        self._redactor = redactor if redactor is not None else Redactor.of_settings(settings)

    def settings(self) -> dict[str, Any]:
        return {
            "strictArguments": True,
            "callTimeoutSeconds": self._settings.call_timeout,
            "maxOutputChars": self._settings.max_output_chars,
        }

    async def intercept_tool_call(
        self, params: types.CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if not self._redactor:
            return self._bounded(await self._checked_and_timed(params, ctx, call_next))
        try:
            result = await self._checked_and_timed(params, ctx, call_next)
        except MCPError as exc:
            raise self._scrubbed_error(exc) from None
        return self._bounded(self._scrubbed(result))

    async def _checked_and_timed(
        self, params: types.CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        withheld = self._withheld.get(params.name)
        if withheld is not None:
            return error_result(f"The tool {params.name!r} is not enabled on this server: {withheld}.")
        checker = self._checker(params.name)
        if checker is None:
            raise MCPError(
                types.INVALID_PARAMS,
                f"Unknown tool {params.name!r}. This server's tools: {', '.join(sorted(self._tools))}.",
            )
        problems = checker.problems(params.arguments or {})
        if problems is not None:
            return error_result(problems)
        timeout = self._settings.call_timeout
        with anyio.move_on_after(timeout) as deadline:
            result = await call_next(ctx)
        if deadline.cancelled_caught:
            return error_result(
                f"Tool {params.name!r} did not finish within {timeout:g} seconds and was stopped. "
                "Ask for less at a time (a narrower path, query or range), "
                "or raise the server's --call-timeout."
            )
        return result

    def _checker(self, name: str) -> ArgumentCheck | None:
        """The tool's checker, compiled on its first call; None for a tool this server does not have."""
        checker = self._checkers.get(name)
        if checker is None and (tool := self._tools.get(name)) is not None:
            checker = self._checkers[name] = ArgumentChecker(tool)
        return checker

    def _scrubbed(self, result: HandlerResult) -> HandlerResult:
        """The result with no secret in its text, embedded text resources or structured content."""
        if not isinstance(result, types.CallToolResult):
            return result
        content = [self._scrubbed_block(block) for block in result.content]
        structured = self._redactor.value(result.structured_content)
        if structured is result.structured_content and all(
            new is old for new, old in zip(content, result.content, strict=True)
        ):
            return result
        return result.model_copy(update={"content": content, "structured_content": structured})

    def _scrubbed_block(self, block: types.ContentBlock) -> types.ContentBlock:
        if isinstance(block, types.TextContent):
            text = self._redactor.text(block.text)
            return block if text == block.text else block.model_copy(update={"text": text})
        if isinstance(block, types.EmbeddedResource) and isinstance(
            block.resource, types.TextResourceContents
        ):
            text = self._redactor.text(block.resource.text)
            if text == block.resource.text:
                return block
            return block.model_copy(update={"resource": block.resource.model_copy(update={"text": text})})
        return block

    def _scrubbed_error(self, error: MCPError) -> MCPError:
        return MCPError(error.code, self._redactor.text(error.message), self._redactor.value(error.data))

    def _bounded(self, result: HandlerResult) -> HandlerResult:
        """Cut any text block over the output budget, saying how to get less."""
        if not isinstance(result, types.CallToolResult):
            return result
        budget = self._settings.max_output_chars
        if all(
            not isinstance(block, types.TextContent) or len(block.text) <= budget for block in result.content
        ):
            return result
        note = (
            f"\n\n[truncated by the server at {budget:,} characters; ask for a smaller part, "
            "e.g. with the tool's offset/limit or cursor parameters]"
        )
        content: list[types.ContentBlock] = [
            types.TextContent(type="text", text=block.text[:budget] + note)
            if isinstance(block, types.TextContent) and len(block.text) > budget
            else block
            for block in result.content
        ]
        return result.model_copy(update={"content": content})
