"""Which programs may be mutated as the measure of their suite (``verify/code/introspect.py``).

Each refused row is a way for a program to see its own code or its place in the mutants' job,
written the way an attacker would, with the obvious spelling hidden where Python allows it;
each honest row is the kind of solution a model writes, which must stay mutation evidence.
"""

from __future__ import annotations

import pytest

from verigen.verify.code.introspect import observes_itself

BODY = "def f(xs):\n    return sum(xs)\n"

REFUSED = {
    "hash of its own bytecode": BODY + "h = hash(f.__code__.co_code)\n",
    "code attribute alone": BODY + "c = f.__code__\n",
    "co_ attribute on anything": "def f(c):\n    return c.co_consts\n",
    "its frame": "import sys\ndef f():\n    return sys._getframe().f_code\n",
    "sys imported under another name": "import sys as s\ndef f():\n    return s._getframe()\n",
    "sys passed on as a value": "import sys\ndef g(m):\n    return m\nh = g(sys)\n",
    "from sys import a reaching name": "from sys import _getframe\n",
    "from sys import modules": "from sys import modules as m\n",
    "its source file": "src = open(__file__).read()\n",
    "__file__ alone": "name = __file__\n",
    "inspect": "import inspect\nsrc = inspect.getsource(lambda: 0)\n",
    "inspect inside a function": "def f():\n    import inspect\n    return inspect.stack()\n",
    "os for a pid or a file": "import os\npid = os.getpid()\n",
    "os.path reading the disk": "import os\nok = os.path.exists('.mark')\n",
    "os.path.abspath reads the working directory": "import os.path as p\nq = p.abspath('.')\n",
    "os.path from os, reading the disk": "from os import path\nok = path.isfile('x')\n",
    "os.path handed on as a value": "import os\ndef f(m):\n    return m\ng = f(os.path)\n",
    "from os.path import exists": "from os.path import exists\n",
    "from os import getpid": "from os import getpid\n",
    "pathlib": "from pathlib import Path\n",
    "gc": "import gc\nobjs = gc.get_objects()\n",
    "ctypes": "import ctypes\n",
    "importlib": "import importlib\n",
    "relative import": "from . import x\n",
    "unknown module": "import numpy\n",
    "getattr with a built name": BODY + "c = getattr(f, '__co' + 'de__')\n",
    "vars": "d = vars()\n",
    "globals": "g = globals()\n",
    "eval": "x = eval('1')\n",
    "exec": "exec('x = 1')\n",
    "compile": "c = compile('1', 'x', 'eval')\n",
    "__import__": "m = __import__('o' + 's')\n",
    "__builtins__": "b = __builtins__\n",
    "open for a marker file": "with open('.mark', 'a+') as fh:\n    fh.write('x')\n",
    "open of a name that is not a descriptor": "fd = 0\ndata = open(fd).read()\n",
    "open of a path": "data = open('0').read()\n",
    "open handed on": "o = open\n",
    "format string reads an attribute": BODY + "s = '{0.__code__}'.format(f)\n",
    "format string built at run time": BODY + "s = ('{0.' + '_' * 2 + 'code}').format(f)\n",
    "str.format on a variable": "def f(fmt, x):\n    return fmt.format(x)\n",
    "str.format called on the type": "def f(x):\n    return str.format('{0}', x)\n",
    "format_map": "def f(d):\n    return '{a.b}'.format_map(d)\n",
    "attribute in a nested format spec": "def f(x):\n    return '{0:{1.real}}'.format(x, 3)\n",
    "operator.attrgetter": "import operator\ng = operator.attrgetter('x')\n",
    "attrgetter imported under another name": "from operator import attrgetter as a\n",
    "methodcaller": "from operator import methodcaller\n",
    "string.Formatter": "import string\nf = string.Formatter()\n",
    "typing.get_type_hints evaluates annotation text": (
        "import typing\ndef g(x: 'f.__code__'): pass\nh = typing.get_type_hints(g)\n"
    ),
    "singledispatch evaluates annotation text": ("from functools import singledispatch\n"),
    "a traceback's frame": "def f():\n    try:\n        1 / 0\n    except Exception as e:\n"
    "        return e.__traceback__\n",
    "a generator's frame": "def f():\n    g = (x for x in ())\n    return g.gi_frame.f_back\n",
    "tb_frame without a dunder": "def f(t):\n    return t.tb_frame\n",
    "class walk to subclasses": "s = ().__class__.__base__.__subclasses__()\n",
    "__dict__": BODY + "d = f.__dict__\n",
    "__globals__": BODY + "g = f.__globals__\n",
    "__closure__": BODY + "c = f.__closure__\n",
    "__getattribute__": BODY + "c = object.__getattribute__(f, 'x')\n",
    "a class pattern reading __code__": (
        BODY + "match f:\n    case object(__code__=c):\n        pass\n"
    ),
    "a class pattern reading co_code": "def f(c):\n    match c:\n        case object(co_code=b):\n"
    "            return b\n",
    "from math import a dunder": "from math import __loader__\n",
    "source that does not parse": "def f(:\n",
    "breakpoint": "breakpoint()\n",
}

HONEST = {
    "plain function": BODY,
    "comments and docstring": '# sum\ndef f(xs):\n    """Sum."""\n    return sum(xs)\n',
    "math, collections, itertools": (
        "import math\nfrom collections import Counter, defaultdict\nimport itertools as it\n"
        "def f(xs):\n    return math.prod(xs) + len(Counter(xs)) + len(list(it.chain(xs)))\n"
    ),
    "sys for recursion and maxsize": (
        "import sys\nsys.setrecursionlimit(10000)\n"
        "def f(xs):\n    return min(xs, default=sys.maxsize)\n"
    ),
    "a stdin program": (
        "import sys\nn = int(input())\nrest = sys.stdin.read().split()\n"
        "data = open(0).read()\nsys.stdout.write(str(n) + '\\n')\nprint(len(rest))\n"
    ),
    "from sys import stdin": "from sys import stdin\nlines = stdin.readlines()\n",
    "from sys import maxsize": "from sys import maxsize\ndef f():\n    return maxsize\n",
    "os.path's string functions": (
        "import os\nimport os.path as p\nfrom os import path\nfrom os.path import join\n"
        "def f(a, b):\n    return os.path.normpath(join(a, b)), p.basename(a), path.splitext(b)\n"
    ),
    "typing and future annotations": (
        "from __future__ import annotations\nfrom typing import List, Optional\n"
        "def f(xs: List[int]) -> Optional[int]:\n    return xs[0] if xs else None\n"
    ),
    "plain format strings": (
        "def f(x):\n    return '{}-{:.2f}-{0!r}-{name}-{:{w}}'.format(x, 1.0, name=x, w=3)\n"
    ),
    "f-strings": "def f(x):\n    return f'{x:>5}|{x!r}|{x.real}'\n",
    "a class with operator dunders": (
        "class P:\n    __slots__ = ('a',)\n    def __init__(self, a):\n        self.a = a\n"
        "    def __lt__(self, o):\n        return self.a < o.a\n"
        "    def __repr__(self):\n        return type(self).__name__\n"
        "def f(xs):\n    return sorted(P(x) for x in xs)[0].a\n"
    ),
    "super().__init__": (
        "class A:\n    def __init__(self):\n        self.x = 1\n"
        "class B(A):\n    def __init__(self):\n        super().__init__()\n"
    ),
    "main guard": BODY + "if __name__ == '__main__':\n    print(f([1]))\n",
    "functools, heapq, bisect, re": (
        "import functools, heapq, bisect, re\n@functools.lru_cache(None)\ndef f(n):\n"
        "    return n if n < 2 else f(n - 1) + f(n - 2)\n"
        "def g(s):\n    return re.sub(r'\\s+', ' ', s), heapq.nsmallest(1, [1]),"
        " bisect.bisect([1], 1)\n"
    ),
    "operator.itemgetter": (
        "from operator import itemgetter\ndef f(ps):\n    return sorted(ps, key=itemgetter(1))\n"
    ),
    "string constants": "import string\ndef f(c):\n    return c in string.ascii_lowercase\n",
    "an attribute named like a name": "def f(p):\n    return p.format_version\n",
    "a local variable named co": "def f(co_author):\n    return co_author\n",
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_a_program_that_can_see_its_code_or_its_place_is_no_mutation_evidence(
    source: str,
) -> None:
    found = observes_itself(source)
    assert found, "refused"
    assert "line" in found or found == "source that does not parse"


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_an_honest_solution_stays_mutation_evidence(source: str) -> None:
    assert observes_itself(source) is None
