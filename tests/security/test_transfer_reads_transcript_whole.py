"""Fault: `transfer` read a whole transcript into memory.

To recognise a transcript Codex imported before (its ledger records the content's sha256),
`transfer` read the file whole, about three times its size at the peak, and did not hash one over
512 MiB at all: such a session, imported before and unchanged, could not be found again ("did not
record an imported thread"). The transcript is now hashed as it is read, in constant memory, so a
transcript of any size is found in the ledger. (The memory it takes is measured by
bench/transfer_memory.py, not asserted here.)
"""

import json
import unittest

from companion_testlib import SANITIZED
from hooks_support import HookCase
from security_support import hostile

BIG = 520 * 1024 * 1024  # over the old 512 MiB bound


class TransferOfALargeTranscript(HookCase):
    def big_transcript(self):
        path = self.write_transcript(name="big-session")
        with open(path, "r+b") as f:  # sparse: the size is what counts, not the disk
            f.seek(BIG)
            f.write(b"\n" + json.dumps({"type": "user", "message": "end"}).encode() + b"\n")
        return path

    @unittest.skipIf(SANITIZED, "hashing 520 MiB four times takes over five minutes in the "
                                "unoptimised ASan/UBSan build; the default preset runs it")
    def test_a_transcript_over_512_mib_imported_before_is_found_in_the_ledger(self):
        source = self.big_transcript()
        # Codex imports it once (its ledger records the digest), then the completion of an
        # unchanged transcript names no thread: only the digest finds it.
        first = self.run_cli("transfer", "--source", source, "--json", timeout=300,
                             env={"FAKE_APP_SERVER_IMPORT": "legacy"})
        with hostile("transfer: a transcript over 512 MiB, found again by its digest"):
            self.assertEqual(first.returncode, 0, first.stderr)
            self.assertEqual(json.loads(first.stdout)["threadId"], "thr-import-1")
            again = self.run_cli("transfer", "--source", source, "--json", timeout=300,
                                 env={"FAKE_APP_SERVER_IMPORT": "legacy"})
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertEqual(json.loads(again.stdout)["threadId"], "thr-import-1")


if __name__ == "__main__":
    unittest.main()
