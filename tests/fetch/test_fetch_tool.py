"""The fetch tool against a real site on 127.0.0.1: the reference server's contract, and the cache.

The reference's contract: "Contents of URL:" then a slice of the converted text, a slice that stops
early ending in "Call the fetch tool with a start_index of N", and "No more content available." past
the end. The cache's: the pages of one reading come from one download, a fresh page is not
downloaded again, a stale one is revalidated with its validator.
"""

from __future__ import annotations

import json
import re

import anyio
import pytest

from moorings_core.testing import ERAS, Era, connect, refusal, succeeded
from tests.fetch.helpers import server_for
from tests.fetch.site import Site
from tests.progress_log import ProgressLog

pytestmark = pytest.mark.anyio

ARTICLE = (
    "<html><head><title>Tides of the North Sea</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
    "<article><h1>Tides of the North Sea</h1>"
    + "".join(
        f"<p>Paragraph {n}: the tide comes in twice a day, and the harbour fills.</p>" for n in range(400)
    )
    + "</article><footer>© Harbour Office</footer></body></html>"
)
CONTINUE = re.compile(
    r"\n\n<error>Content truncated\. Call the fetch tool with a start_index of (\d+)"
    r" to get more content\.</error>$"
)


async def read_all(client: object, url: str, max_length: int, **arguments: object) -> list[str]:
    """Every slice of a page, following the continuation messages as a model would."""
    slices, start = [], 0
    while True:
        text, data = succeeded(
            await client.call_tool(  # type: ignore[attr-defined]
                "fetch", {"url": url, "max_length": max_length, "start_index": start, **arguments}
            )
        )
        assert text.startswith(f"Contents of {url}:\n")
        body = text.removeprefix(f"Contents of {url}:\n")
        more = CONTINUE.search(body)
        if more is None:
            slices.append(body)
            assert data.get("nextStartIndex", True)
            return slices
        slices.append(body[: more.start()])
        assert int(more.group(1)) == data["nextStartIndex"] == start + len(slices[-1])
        start = int(more.group(1))


@pytest.mark.parametrize("era", ERAS)
async def test_pages_follow_the_reference_contract_and_join_up(site: Site, era: Era) -> None:
    site.page("/tides", ARTICLE)
    async with connect(server_for(site), era=era) as client:
        whole = succeeded(await client.call_tool("fetch", {"url": site.url("/tides"), "max_length": 999_999}))
        text = whole[1]["content"]
        slices = await read_all(client, site.url("/tides"), 700)
        past = await client.call_tool("fetch", {"url": site.url("/tides"), "start_index": len(text) + 10})
    assert "".join(slices) == text
    assert len(slices) == -(-len(text) // 700)
    assert all(len(part) == 700 for part in slices[:-1])
    assert "Paragraph 399" in text
    assert "Tides of the North Sea" in text
    assert (
        succeeded(past)[0] == f"Contents of {site.url('/tides')}:\n<error>No more content available.</error>"
    )


async def test_a_reading_downloads_the_page_once(site: Site) -> None:
    site.page("/tides", ARTICLE)
    async with connect(server_for(site)) as client:
        slices = await read_all(client, site.url("/tides"), 1000)
        first = succeeded(await client.call_tool("fetch", {"url": site.url("/tides"), "start_index": 1000}))
    assert len(slices) > 5
    assert len(site.requests("/tides")) == 1
    assert first[1]["fromCache"] is True


async def test_the_pages_of_a_reading_come_from_one_version(site: Site) -> None:
    site.page("/news", "<html><body>" + "<p>first version of the story</p>" * 300 + "</body></html>")
    async with connect(server_for(site)) as client:
        start = succeeded(await client.call_tool("fetch", {"url": site.url("/news"), "max_length": 500}))
        site.page("/news", "<html><body>" + "<p>SECOND</p>" * 300 + "</body></html>")
        later = succeeded(await client.call_tool("fetch", {"url": site.url("/news"), "start_index": 500}))
        fresh_read = succeeded(await client.call_tool("fetch", {"url": site.url("/news")}))
    assert "SECOND" not in later[1]["content"]
    assert "first version" in later[1]["content"]
    assert later[1]["length"] == start[1]["length"]
    # Without caching headers a new read asks the site again, and sees the new version.
    assert "SECOND" in fresh_read[1]["content"]


async def test_a_fresh_page_is_not_downloaded_again(site: Site) -> None:
    site.page("/fresh", ARTICLE, headers={"Cache-Control": "max-age=600"})
    async with connect(server_for(site)) as client:
        for _ in range(3):
            succeeded(await client.call_tool("fetch", {"url": site.url("/fresh")}))
    assert len(site.requests("/fresh")) == 1


async def test_a_stale_page_is_revalidated_and_a_304_costs_no_body(site: Site) -> None:
    site.page("/etag", ARTICLE, headers={"Cache-Control": "no-cache"}, etag='"v1"')
    async with connect(server_for(site)) as client:
        first = succeeded(await client.call_tool("fetch", {"url": site.url("/etag")}))
        second = succeeded(await client.call_tool("fetch", {"url": site.url("/etag")}))
    requests = site.requests("/etag")
    assert len(requests) == 2
    assert "if-none-match" not in requests[0].headers
    assert requests[1].headers["if-none-match"] == '"v1"'
    assert second[1]["content"] == first[1]["content"]
    assert second[1]["status"] == 200


async def test_a_no_store_page_is_downloaded_for_each_new_read(site: Site) -> None:
    site.page("/private", ARTICLE, headers={"Cache-Control": "no-store"}, etag='"x"')
    async with connect(server_for(site)) as client:
        succeeded(await client.call_tool("fetch", {"url": site.url("/private")}))
        succeeded(await client.call_tool("fetch", {"url": site.url("/private")}))
    assert [("if-none-match" in r.headers) for r in site.requests("/private")] == [False, False]


async def test_concurrent_calls_for_one_page_download_it_once(site: Site) -> None:
    site.page("/slowish", ARTICLE, chunk_delay=0.05)
    async with connect(server_for(site)) as client:
        results = []

        async def call(start: int) -> None:
            results.append(
                await client.call_tool("fetch", {"url": site.url("/slowish"), "start_index": start})
            )

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call, 0)
            await anyio.sleep(0.01)
            for start in (0, 0, 100):
                tasks.start_soon(call, start)
    assert all(not result.is_error for result in results)
    assert len(site.requests("/slowish")) == 1


async def test_raw_gives_the_page_as_received(site: Site) -> None:
    site.page("/tides", ARTICLE, headers={"Cache-Control": "max-age=60"})
    async with connect(server_for(site)) as client:
        raw = succeeded(
            await client.call_tool("fetch", {"url": site.url("/tides"), "raw": True, "max_length": 100})
        )
        mode = succeeded(
            await client.call_tool("fetch", {"url": site.url("/tides"), "mode": "raw", "max_length": 100})
        )
    assert raw[1]["content"] == ARTICLE[:100] == mode[1]["content"]
    assert raw[1]["mode"] == "raw"
    assert len(site.requests("/tides")) == 1  # one download, while fresh, serves every mode


async def test_the_result_describes_the_page(site: Site) -> None:
    site.page("/old", b"", status=301, headers={"Location": "/tides"}, content_type="")
    site.page("/tides", ARTICLE)
    async with connect(server_for(site)) as client:
        text, data = succeeded(await client.call_tool("fetch", {"url": site.url("/old"), "max_length": 300}))
    assert text.startswith(f"Contents of {site.url('/old')}:\n")
    assert data["url"] == site.url("/old")
    assert data["finalUrl"] == site.url("/tides")
    assert data["status"] == 200
    assert data["contentType"] == "text/html; charset=utf-8"
    assert data["truncated"] is True
    assert data["nextStartIndex"] == 300
    assert data["length"] > 300
    assert data["startIndex"] == 0
    assert data["pageTruncated"] is False
    assert data["fromCache"] is False


async def test_an_http_error_status_is_an_error_result(site: Site) -> None:
    async with connect(server_for(site)) as client:
        message = refusal(await client.call_tool("fetch", {"url": site.url("/missing")}))
    assert f"Failed to fetch {site.url('/missing')} - status code 404" in message


async def test_a_page_beyond_the_byte_cap_is_cut_and_says_so(site: Site) -> None:
    site.page("/long", "<html><body>" + "<p>word " * 20_000 + "</body></html>")
    async with connect(server_for(site, max_bytes=4096)) as client:
        text, data = succeeded(
            await client.call_tool("fetch", {"url": site.url("/long"), "max_length": 999_999})
        )
    assert data["pageTruncated"] is True
    assert "longer than this server reads" in text
    assert data["length"] < 4096


async def test_a_slice_longer_than_the_output_budget_continues_where_it_stops(site: Site) -> None:
    site.page("/tides", ARTICLE)
    async with connect(server_for(site, max_output_chars=5_000)) as client:
        text, data = succeeded(
            await client.call_tool("fetch", {"url": site.url("/tides"), "max_length": 900_000})
        )
    assert len(text) < 5_000
    assert CONTINUE.search(text) is not None
    assert data["nextStartIndex"] == len(data["content"])


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"url": "x", "max_length": 0}, "max_length"),
        ({"url": "x", "max_length": 1_000_000}, "max_length"),
        ({"url": "x", "start_index": -1}, "start_index"),
        ({"url": "x", "mode": "pdf"}, "mode"),
        ({"url": "ftp://example.com/file"}, "only http and https"),
        ({"url": "not a url"}, "no scheme"),
    ],
)
async def test_bad_arguments_are_refused_with_what_is_allowed(
    arguments: dict[str, object], words: str
) -> None:
    async with connect(server_for()) as client:
        result = await client.call_tool("fetch", arguments)
    assert result.is_error
    assert words in result.content[0].text  # type: ignore[union-attr]


async def test_the_tool_is_described_for_a_model() -> None:
    async with connect(server_for()) as client:
        (tool,) = (await client.list_tools()).tools
    assert tool.name == "fetch"
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True
    assert tool.annotations.open_world_hint is True
    properties = tool.input_schema["properties"]
    assert properties["max_length"]["default"] == 5000
    # Inclusive bounds, as the reference's: some clients refuse exclusiveMinimum and exclusiveMaximum.
    assert (properties["max_length"]["minimum"], properties["max_length"]["maximum"]) == (1, 999_999)
    assert not {"exclusiveMinimum", "exclusiveMaximum"} & properties["max_length"].keys()
    assert properties["start_index"]["default"] == 0
    assert properties["raw"]["default"] is False
    assert tool.input_schema["required"] == ["url"]
    assert tool.output_schema is not None
    assert "nextStartIndex" in tool.output_schema["properties"]


async def test_the_prompt_gives_the_page_as_the_reference_does(site: Site) -> None:
    site.page("/tides", ARTICLE)
    async with connect(server_for(site)) as client:
        (prompt,) = (await client.list_prompts()).prompts
        result = await client.get_prompt("fetch", {"url": site.url("/tides")})
        failed = await client.get_prompt("fetch", {"url": "http://10.1.2.3/"})
    assert prompt.name == "fetch"
    assert [a.name for a in prompt.arguments or []] == ["url"]
    text = result.messages[0].content.text  # type: ignore[union-attr]
    assert text.startswith("# Tides of the North Sea")  # the page itself, as the reference's prompt gives it
    assert "Paragraph 399" in text
    assert failed.messages[0].content.text.startswith("Failed to fetch http://10.1.2.3/: Refused")  # type: ignore[union-attr]


async def test_json_is_pretty_printed(site: Site) -> None:
    site.page("/data", json.dumps({"harbour": "Leith", "tides": [1, 2]}), content_type="application/json")
    async with connect(server_for(site)) as client:
        _, data = succeeded(await client.call_tool("fetch", {"url": site.url("/data")}))
    assert json.loads(data["content"]) == {"harbour": "Leith", "tides": [1, 2]}
    assert "\n" in data["content"]


async def test_a_large_download_reports_its_progress(site: Site) -> None:
    body = ("<html><body>" + "<p>swell and surge</p>" * 40_000 + "</body></html>").encode()
    site.page("/big", body, chunk_delay=0.05)
    log = ProgressLog()
    async with connect(server_for(site)) as client:
        result = await client.call_tool("fetch", {"url": site.url("/big")}, progress_callback=log.callback)
        await log.wait_for(len(body))
    succeeded(result)
    log.assert_increasing(at_least=2)
    log.assert_last(
        len(body), len(body), f"{len(body) / 1024:,.0f} of {len(body) / 1024:,.0f} KiB downloaded"
    )


async def test_a_redirect_hop_needs_its_own_robots_leave_before_it_is_requested(site: Site) -> None:
    site.page("/robots.txt", "User-agent: *\nDisallow: /office/\n", content_type="text/plain")
    site.page("/notice", b"", status=302, headers={"Location": "/office/ledger"}, content_type="")
    site.page("/office/ledger", "<p>harbour dues</p>")
    async with connect(server_for(site)) as client:
        message = refusal(await client.call_tool("fetch", {"url": site.url("/notice")}))
        prompt = await client.get_prompt("fetch", {"url": site.url("/notice")})
    assert message.startswith(f"Error executing tool fetch: {site.url('/notice')} redirected to ")
    assert "robots.txt" in message
    assert "Disallow: /office/" in message
    assert [request.path for request in site.requests()] == [
        "/robots.txt",
        "/notice",
        "/notice",
        "/office/ledger",
    ]
    assert "harbour dues" in prompt.messages[0].content.text  # type: ignore[union-attr]
