#!/usr/bin/python3
"""An SMTP server for tests (Debian's python3-aiosmtpd): every message received is decoded with the
standard library's email parser and written as one JSON file into --out. Prints "ready" when listening."""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        legacy = email.message_from_bytes(raw)  # compat32 keeps headers as sent (RFC 2047 words)
        parts = []
        for part in msg.walk():
            if part.get_content_maintype() == "multipart":
                continue
            parts.append({
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transfer_encoding": part.get("Content-Transfer-Encoding"),
                "text": part.get_content(),
            })
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "raw_subject": legacy["Subject"],
            "date": str(msg["Date"]),
            "message_id": str(msg["Message-ID"]),
            "mime_version": str(msg["MIME-Version"]),
            "content_type": msg.get_content_type(),
            "parts": parts,
        }
        name = os.path.join(self.out, f"{uuid.uuid4()}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(name + ".tmp", name)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    controller = Controller(Sink(args.out), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    stop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        stop.add_signal_handler(sig, stop.stop)
    stop.run_forever()
    controller.stop()


if __name__ == "__main__":
    main()
