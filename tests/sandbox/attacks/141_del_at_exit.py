# ATTACK 141 del_at_exit
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that leaves objects whose __del__ runs at interpreter shutdown (a
#           module global and a reference cycle) and prints the success markers and a forged
#           verdict frame on every fd, after whatever the tests printed.
# CORRECT SANDBOX MUST: (verifier) the verdict is decided from the harness's own frame, never from
#           text printed at exit.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import os


class _Last:
    def __del__(self):
        for fd in range(64):
            with contextlib.suppress(OSError):
                os.write(fd, b'{"nonce": "0", "runs": []}\nALL_TESTS_PASSED\n')


_keep = _Last()
_cycle = [_Last()]
_cycle.append(_cycle)


def add(a, b):
    return 0
