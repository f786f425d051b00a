"""An aiosmtpd handler for the digest benchmark: accepts every message and appends its recipients to a file
(one line each), so the benchmark can count deliveries per recipient without storing 10,000 messages.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c counting_smtpd.Counting out/received.txt
"""


class Counting:
    def __init__(self, path):
        self.out = open(path, "a", encoding="utf-8")

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Counting needs the path of the recipients file")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            self.out.write(rcpt + "\n")
        self.out.flush()
        return "250 OK"
