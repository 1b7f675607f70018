#!/usr/bin/env python3
"""bench/messages_mock.py — a tiny SMS provider for the message center benchmark (bench/run.sh (h)).

  messages_mock.py PORT SECRET

Listens on 127.0.0.1:PORT (asyncio, one process), takes POSTed JSON like the provider API of
docs/api.md (消息中心 › Delivery), checks the HMAC-SM3 signature of "<X-Tongban-Timestamp>\\n<body>" under
SECRET and answers {"accepted": true} (401 on a bad signature). Prints "ready" once listening and, on
SIGTERM, "MOCK ok=N bad=M".
"""

import asyncio
import hmac
import signal
import sys

ok = bad = 0


def sign(secret, ts, body):
    return hmac.new(secret, ts + b"\n" + body, "sm3").hexdigest().encode()


async def handle(reader, writer, secret):
    global ok, bad
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                headers[k.strip().lower()] = v.strip()
            body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
            good = hmac.compare_digest(headers.get(b"x-tongban-signature", b""),
                                       sign(secret, headers.get(b"x-tongban-timestamp", b""), body))
            if good:
                ok += 1
                out, status = b'{"accepted":true}', b"200 OK"
            else:
                bad += 1
                out, status = b'{"accepted":false,"error":"bad signature"}', b"401 Unauthorized"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: " +
                         str(len(out)).encode() + b"\r\n\r\n" + out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(port, secret):
    server = await asyncio.start_server(lambda r, w: handle(r, w, secret), "127.0.0.1", port)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    print("ready", flush=True)
    async with server:
        await stop
    print(f"MOCK ok={ok} bad={bad}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), sys.argv[2].encode()))
