"""A small web on 127.0.0.1 for the outbound-HTTP tests: sites, a proxy, fake DNS, certificates.

`Site` is a threaded HTTP server with one page per hostile or ordinary case, and
`Proxy` a forward proxy (CONNECT tunnels and absolute-form requests); both count
the connections they accept, and the proxy records every request it was asked,
so a test can prove that nothing reached them. Host names are answered by
`FakeDNS`, an injected resolver, so a name can "resolve" to any address while the
only traffic ever sent goes to loopback. `loopback_only()` turns on an audit hook
that makes any other connection attempt fail the test instead of leaving the
machine; each test module runs every test inside it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import select
import socket
import ssl
import sys
import threading
import zlib
from collections.abc import Iterator
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import brotli  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# A public address that names resolve to in tests. Nothing ever connects to it: each test that uses it
# expects a refusal or stops before connecting (and the audit hook below would stop a connection).
PUBLIC_IP = "93.184.215.14"
PAGE_TEXT = "<p>café</p>"
BIG_BODY = bytes(range(256)) * (3 * 2**20 // 256)
BOMB_SIZE = 50 * 2**20
BROTLI_BOMB_SIZE = 512 * 2**20


# --- safety net: no connection leaves the machine -------------------------------------------------


class _LoopbackOnly:
    active = False


def _refuse_off_machine(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _LoopbackOnly.active and isinstance(args[1], tuple):
        host = str(args[1][0]).split("%")[0]
        if not ip_address(host).is_loopback:
            raise RuntimeError(f"test tried to connect to {host}, which is not loopback")


sys.addaudithook(_refuse_off_machine)


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Inside, a connection to anything but loopback raises instead of leaving the machine."""
    _LoopbackOnly.active = True
    try:
        yield
    finally:
        _LoopbackOnly.active = False


# --- bodies ---------------------------------------------------------------------------------------


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(2**20)
    return b"".join(compressor.compress(zeros) for _ in range(size // len(zeros))) + compressor.flush()


def gzip(content: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return bytes(compressor.compress(content) + compressor.flush())


@functools.cache
def brotli_bomb() -> bytes:
    """BROTLI_BOMB_SIZE zeros as br: about 96 KB on the wire (quality 1; 0.1 s to make)."""
    compressor = brotli.Compressor(quality=1)
    zeros = bytes(2**20)
    return bytes(b"".join(compressor.process(zeros) for _ in range(BROTLI_BOMB_SIZE // len(zeros))))


GZIP_BOMB = _gzip_of_zeros(BOMB_SIZE)
# A gzip header announcing a comment (FLG.FCOMMENT) that never ends: bytes arrive, no content ever does.
ENDLESS_GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0x10, 0, 0, 0, 0, 0, 0xFF])


class Asked(NamedTuple):
    """One request a site or a proxy received: its method, its target as sent, its headers (lowercase)."""

    method: str
    target: str
    headers: dict[str, str]


# --- the site -------------------------------------------------------------------------------------


class Site(ThreadingHTTPServer):
    """A test web site on 127.0.0.1 that counts the connections it accepts."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.received: list[Asked] = []  # every request, as it arrived
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.lock:
            self.connections += 1
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up on endless bodies on purpose; that is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            headers = {name.lower(): value for name, value in self.headers.items()}
            self.server.received.append(Asked(self.command, self.path, headers))
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        getattr(self, "page_" + url.path.strip("/").replace("-", "_"))(query)

    def do_POST(self) -> None:
        self.do_GET()

    def do_PUT(self) -> None:
        self.do_GET()

    def _send(self, body: bytes, content_type: str = "text/plain", status: int = 200, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, first: bytes, chunk: bytes, pause: float = 0.0, **headers: str) -> None:
        """A body without a length that goes on until the client hangs up."""
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(first)
        try:
            for _ in range(100_000):
                self.wfile.write(chunk)
                self.wfile.flush()
                threading.Event().wait(pause)
        except OSError:
            pass

    def page_page(self, query: dict[str, str]) -> None:
        self._send(PAGE_TEXT.encode("latin-1"), "text/html; charset=iso-8859-1")

    def page_echo(self, query: dict[str, str]) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        seen = {
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": self.rfile.read(length).decode(),
        }
        self._send(json.dumps(seen).encode(), "application/json")

    def page_redirect(self, query: dict[str, str]) -> None:
        self._send(b"", status=int(query.get("status", "302")), Location=query["to"])

    def page_loop(self, query: dict[str, str]) -> None:
        self._send(b"", status=302, Location="/loop")

    def page_set_cookie(self, query: dict[str, str]) -> None:
        self._send(b"ok", Set_Cookie="session=secret; Path=/")

    def page_big(self, query: dict[str, str]) -> None:
        self._send(BIG_BODY, "application/octet-stream")

    def page_endless(self, query: dict[str, str]) -> None:
        self._stream(b"", b"x" * 65536)

    def page_drip(self, query: dict[str, str]) -> None:
        self._stream(b"", b"x", pause=0.05)

    def page_bomb(self, query: dict[str, str]) -> None:
        self._send(GZIP_BOMB, Content_Encoding="gzip")

    def page_endless_gzip_header(self, query: dict[str, str]) -> None:
        self._stream(ENDLESS_GZIP_HEADER, b"a" * 65536, Content_Encoding="gzip")

    def page_gzip(self, query: dict[str, str]) -> None:
        self._send(gzip(b"gzipped text"), Content_Encoding="gzip")

    def page_gzip_members(self, query: dict[str, str]) -> None:
        # Two members and the zero padding some writers leave after the last one.
        self._send(gzip(b"first member, ") + gzip(b"second member") + bytes(8), Content_Encoding="gzip")

    def page_gzip_then_bomb(self, query: dict[str, str]) -> None:
        self._send(gzip(b"harmless") + GZIP_BOMB, Content_Encoding="gzip")

    def page_gzip_then_junk(self, query: dict[str, str]) -> None:
        self._send(gzip(b"fine") + b"junk that is not a gzip member", Content_Encoding="gzip")

    def page_deflate(self, query: dict[str, str]) -> None:
        self._send(zlib.compress(b"zlib-wrapped deflate"), Content_Encoding="deflate")

    def page_raw_deflate(self, query: dict[str, str]) -> None:
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        self._send(compressor.compress(b"raw deflate") + compressor.flush(), Content_Encoding="deflate")

    def page_corrupt_gzip(self, query: dict[str, str]) -> None:
        self._send(b"this is not gzip data", Content_Encoding="gzip")

    def page_brotli(self, query: dict[str, str]) -> None:
        self._send(brotli.compress(b"brotli text"), Content_Encoding="br")

    def page_brotli_bomb(self, query: dict[str, str]) -> None:
        self._send(brotli_bomb(), Content_Encoding="br")

    def page_corrupt_brotli(self, query: dict[str, str]) -> None:
        self._send(b"this is not brotli data", Content_Encoding="br")

    def page_brotli_then_junk(self, query: dict[str, str]) -> None:
        self._send(brotli.compress(b"fine") + b"junk after the brotli stream", Content_Encoding="br")

    def page_zstd(self, query: dict[str, str]) -> None:
        self._send(bytes.fromhex("28b52ffd2000010000"), Content_Encoding="zstd")

    def _times_asked(self, path: str) -> int:
        """How many requests for `path` this site has received, this one included."""
        with self.server.lock:
            return sum(1 for asked in self.server.received if urlsplit(asked.target).path == path)

    def page_busy(self, query: dict[str, str]) -> None:
        """`status` (429) for the first `times` requests, with Retry-After `after` if given; then a page."""
        if self._times_asked("/busy") > int(query.get("times", "1")):
            self._send(b"done at last")
            return
        headers = {"Retry_After": query["after"]} if "after" in query else {}
        self._send(b"busy", status=int(query.get("status", "429")), **headers)

    def page_flaky(self, query: dict[str, str]) -> None:
        """The first `drops` requests are dropped: the connection closes with no answer. Then a page."""
        if self._times_asked("/flaky") > int(query.get("drops", "1")):
            self._send(b"answered")
            return
        self.close_connection = True


def serve(server: ThreadingHTTPServer) -> Iterator[Any]:
    """Run `server` in a thread for as long as the generator is not closed."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- the proxy ------------------------------------------------------------------------------------


class Proxy(ThreadingHTTPServer):
    """A forward proxy on 127.0.0.1: CONNECT tunnels, and absolute-form requests it forwards.

    It connects wherever it is asked (the audit hook keeps that on loopback), so a test learns what it
    was given from `asked` and `connections`.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.connections = 0
        self.asked: list[Asked] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, scheme: str = "http", credentials: str = "") -> str:
        return f"{scheme}://{credentials}127.0.0.1:{self.port}"

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.lock:
            self.connections += 1
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up on a tunnel is not an error."""


class _ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.server.lock:
            self.server.asked.append(Asked(self.command, self.path, headers))

    def do_CONNECT(self) -> None:
        self._record()
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.send_error(502, "cannot reach the target")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        with upstream:
            _relay(self.connection, upstream)

    def do_GET(self) -> None:
        self._record()
        target = urlsplit(self.path)
        self.close_connection = True
        if target.scheme != "http" or not target.hostname:
            self.send_error(400, "a proxy takes absolute-form http:// requests")
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if not k.lower().startswith("proxy-")}
        upstream = HTTPConnection(target.hostname, target.port or 80, timeout=10)
        try:
            upstream.request(
                self.command, target.path + (f"?{target.query}" if target.query else ""), body, headers
            )
            response = upstream.getresponse()
            content = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(content)

    def do_POST(self) -> None:
        self.do_GET()


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side hangs up (one thread: an SSLSocket is not for two)."""
    peers = {client: upstream, upstream: client}
    while True:
        # Bytes TLS has already decrypted do not show in select.
        ready: list[socket.socket] = [s for s in peers if isinstance(s, ssl.SSLSocket) and s.pending()]
        ready = ready or select.select(list(peers), [], [], 10)[0]
        if not ready:
            return
        for source in ready:
            try:
                data = source.recv(65536)
                if not data:
                    return
                peers[source].sendall(data)
            except OSError:
                return


# --- DNS ------------------------------------------------------------------------------------------


class FakeDNS:
    """A resolver that answers from a table and logs each lookup.

    A name in `then` gets its `answers` entry on the first lookup and the `then`
    entry on every later one: the way a rebinding attacker's DNS server behaves.
    """

    def __init__(self, answers: dict[str, list[str]], *, then: dict[str, list[str]] | None = None) -> None:
        self.answers = answers
        self.then = then or {}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        host = host.removesuffix(".")  # the same name, as DNS sees it
        table = self.then if host in self.then and self.lookups.count(host) > 1 else self.answers
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])


DNS = {
    "site.test": ["127.0.0.1"],
    "other.test": ["127.0.0.1"],
    "public.test": [PUBLIC_IP],
    "mixed.test": [PUBLIC_IP, "127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "private.test": ["10.1.2.3"],
    "v6.test": ["::1"],
}


# --- TLS ------------------------------------------------------------------------------------------


class CertificateAuthority:
    """A CA of its own, which issues server certificates for names and addresses."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._certificate = self._issue("Moorings test CA", self._key, ca=True, hosts=())

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA only."""
        pem = self._certificate.public_bytes(serialization.Encoding.PEM).decode()
        return ssl.create_default_context(cadata=pem)

    def server_context(self, *hosts: str) -> ssl.SSLContext:
        """A server context whose certificate names `hosts` (DNS names, or IP addresses)."""
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = self._issue(hosts[0], key, ca=False, hosts=hosts)
        stem = self._directory / f"leaf-{len(list(self._directory.glob('leaf-*.pem')))}"
        Path(f"{stem}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        Path(f"{stem}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(f"{stem}.pem", f"{stem}.key")
        return server

    def _issue(
        self, subject: str, key: ec.EllipticCurvePrivateKey, *, ca: bool, hosts: tuple[str, ...]
    ) -> x509.Certificate:
        now = datetime.datetime.now(datetime.timezone.utc)
        signer = key if ca else self._key
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Moorings test CA")]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        else:
            names: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    names.append(x509.IPAddress(ip_address(host)))
                except ValueError:
                    names.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(signer, hashes.SHA256())


def tls_server(server: ThreadingHTTPServer, context: ssl.SSLContext) -> ThreadingHTTPServer:
    """`server`, speaking TLS with `context`'s certificate."""
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server
