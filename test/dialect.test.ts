/**
 * Kernel constructs that once left tree-sitter ERROR nodes in function bodies (the top
 * causes of `npm run bench -- health` on Linux 6.1) now parse: each case is a short C
 * text, the calls its function must yield, and no ERROR or MISSING node. The pre-passes
 * keep the text's length and line breaks, so positions stay positions in the user's file.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { factsFromText, prepareText, type FunctionFacts } from '../server/src/syntax';
import { forEachOp } from '../server/src/syntax/walkOps';
import { parser } from './support/fixtures';

function callsOf(fn: FunctionFacts): string[] {
  const names: string[] = [];
  forEachOp(fn.body, (op) => {
    if (op.op === 'call' && op.callee.kind === 'name') names.push(op.callee.name);
  });
  return names;
}

const CASES: Array<{ name: string; text: string; fn: string; calls: string[] }> = [
  {
    name: 'a loop macro after a comment is still a loop',
    text: 'void f(struct list_head *h)\n{\n\tstruct x *p;\n\t/* walk */\n\tlist_for_each_entry(p, h, node) {\n\t\tg(p);\n\t}\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'a loop macro after a // comment is still a loop',
    text: 'void f(struct list_head *h)\n{\n\tstruct x *p; // walk\n\thlist_for_each_entry_rcu(p, h, node)\n\t\tg(p);\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'upper-case, _walk and with_ loop macros are loops',
    text: 'void f(void)\n{\n\tLIST_FOREACH(s, &h, link) {\n\t\ta(s);\n\t}\n\tskb_queue_walk_safe(&q, skb, tmp) {\n\t\tb(skb);\n\t}\n\twith_intel_pps_lock(dp, w)\n\t\tc(dp);\n}\n',
    fn: 'f',
    calls: ['a', 'b', 'c'],
  },
  {
    name: 'a do_each/while_each macro pair is a loop',
    text: 'void f(unsigned long mask)\n{\n\tdo_each_subsys_mask(ss, ssid, mask) {\n\t\tg(ss);\n\t} while_each_subsys_mask();\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'a builtin type of two words as a macro argument',
    text: 'long f(long a, long b)\n{\n\treturn min_t(unsigned long, g(a), b);\n}\n',
    fn: 'f',
    calls: ['g', 'min_t'],
  },
  {
    name: 'a file-scope macro without a semicolon does not swallow the next definition',
    text: 'NOKPROBE_SYMBOL(h)\nstatic void f(void)\n{\n\tg();\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'an initcall without a semicolon ending an #ifdef branch of definitions',
    text: '#ifdef CONFIG_MMU\nstatic int i(void)\n{\n\treturn 0;\n}\nsubsys_initcall(i)\n#else\nstatic inline void q(void)\n{\n}\n#endif\n\nstatic void f(void)\n{\n\tg();\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'a static function-defining macro without a semicolon, then a comment',
    text: 'static DEF_SCSI_QCMD(q)\n\n/* next */\nstatic int f(void)\n{\n\treturn g();\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'offsetof with a member path',
    text: 'int f(struct s *p, int i)\n{\n\treturn g(offsetof(struct s, arr[i].x));\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'string-literal macros pasted beside literals',
    text: 'void f(int e)\n{\n\tprintk(KERN_ERR PFX "failed: %d\\n", e);\n\tpr_info("%s: " DRV_NAME " up\\n", "x");\n\tg("KEEP THIS " "TEXT");\n}\n',
    fn: 'f',
    calls: ['printk', 'pr_info', 'g'],
  },
  {
    name: 'attribute macros standing alone and __attribute__ in a body',
    text: '__no_kcsan\nstatic void __net_init f(void)\n{\n\tint x __attribute__((unused));\n\tg();\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: '#ifdef branches that each open a block keep the first branch',
    text: 'void f(int a, int b)\n{\n#ifdef CONFIG_X\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tg();\n\t}\n}\n',
    fn: 'f',
    calls: ['g'],
  },
  {
    name: 'an #ifdef branch that ends in `} else` is read as plain code',
    text: 'void f(int a)\n{\n#ifdef CONFIG_PCI\n\tif (a) {\n\t\tp();\n\t} else\n#endif\n\tif (q())\n\t\tr();\n}\n',
    fn: 'f',
    calls: ['p', 'q', 'r'],
  },
  {
    name: 'an #ifdef right after a goto label, and a loop macro right after #endif',
    text: 'int f(int a)\n{\n#ifdef CONFIG_X\n\ta = 1;\n#endif\n\tfor_each_subsys(ss, i)\n\t\tg(i);\nout:\n#ifdef CONFIG_Y\n\th(a);\n#endif\n\treturn a;\n}\n',
    fn: 'f',
    calls: ['g', 'h'],
  },
  {
    name: 'an #ifdef inside an argument list is read as plain code',
    text: 'void f(int a)\n{\n\tg(a,\n#ifdef CONFIG_X\n\t  h(a),\n#endif\n\t  a);\n}\n',
    fn: 'f',
    calls: ['h', 'g'],
  },
];

for (const c of CASES) {
  test(c.name, () => {
    assert.equal(prepareText(c.text).text.length, c.text.length);
    assert.deepEqual(
      prepareText(c.text).text.split('\n').map((l) => l.length),
      c.text.split('\n').map((l) => l.length),
    );
    const facts = factsFromText(parser(), 't.c', c.text);
    const fn = facts.functions.find((f) => f.name === c.fn);
    assert.ok(fn, `no function ${c.fn}`);
    assert.equal(facts.health.errorNodes, 0);
    assert.deepEqual(callsOf(fn), c.calls);
  });
}

test('#ifdef branches of whole statements both stay, as alternatives', () => {
  const text = 'void f(void)\n{\n#ifdef CONFIG_X\n\ta();\n#else\n\tb();\n#endif\n}\n';
  const facts = factsFromText(parser(), 't.c', text);
  assert.equal(facts.health.errorNodes, 0);
  const top = facts.functions[0].body[0];
  assert.ok(top.op === 'if' && top.cond.text.startsWith('#if'));
  assert.deepEqual(callsOf(facts.functions[0]), ['a', 'b']);
});

test('a string that contains upper-case words, and a #define of a string, are left alone', () => {
  const text = '#define DVM_PRE "BOOST_DVM"\\\n\t" X"\nvoid f(void)\n{\n\tg("ERROR " "CODE");\n}\n';
  assert.equal(prepareText(text).text, text);
});

test('BPF_CALL_n and SYSCALL_DEFINEn headers define the named function with its parameters', () => {
  const text = 'BPF_CALL_2(bpf_f, struct x *, p, u64,\n\t   flags)\n{\n\tg(p);\n}\nSYSCALL_DEFINE1(h, const char __user *, name)\n{\n\treturn k(name);\n}\n';
  const facts = factsFromText(parser(), 't.c', text);
  assert.equal(facts.health.errorNodes, 0);
  assert.deepEqual(
    facts.functions.map((f) => [f.name, f.params, f.returnType, f.nameSpan.start.col]),
    [
      ['bpf_f', ['p', 'flags'], 'u64', 11],
      ['h', ['name'], 'long', 16],
    ],
  );
});
