#!/usr/bin/env node
// Keeps README.zh-CN.md in step with README.md: the translation must carry
// every fenced code block of the English README (commands and examples are
// not translated, only their `#` comments may be) and the same number of
// `##` sections. Prints what is missing and exits 1 when they drift apart.
// No dependencies: `node scripts/check-readme-zh.mjs [en.md] [zh.md]`.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const enPath = process.argv[2] ?? join(root, "README.md");
const zhPath = process.argv[3] ?? join(root, "README.zh-CN.md");

// A comment may be translated, so it is not compared: a whole line whose
// first non-blank character is `#`, or a trailing ` # ...` after a command.
function withoutComments(block) {
  return block
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .map((line) => line.replace(/\s+#\s.*$/, "").trimEnd())
    .join("\n")
    .trim();
}

// The fenced code blocks (``` or ~~~, any info string) and the `## `
// headings outside them, in order.
function parse(text) {
  const blocks = [];
  const sections = [];
  let fence = null;
  let body = [];
  let start = 0;
  text.split(/\r?\n/).forEach((line, i) => {
    if (fence === null) {
      const open = line.match(/^\s*(`{3,}|~{3,})/);
      if (open) {
        fence = open[1];
        body = [];
        start = i + 1;
      } else if (/^## /.test(line)) {
        sections.push(line.slice(3).trim());
      }
    } else if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") {
      blocks.push({ line: start, text: withoutComments(body.join("\n")) });
      fence = null;
    } else {
      body.push(line);
    }
  });
  if (fence !== null) blocks.push({ line: start, text: withoutComments(body.join("\n")), unclosed: true });
  return { blocks, sections };
}

let en;
let zh;
try {
  en = parse(readFileSync(enPath, "utf8"));
  zh = parse(readFileSync(zhPath, "utf8"));
} catch (e) {
  console.error(`check-readme-zh: ${e.message} (both README.md and README.zh-CN.md must exist)`);
  process.exit(1);
}

const problems = [];
const zhBlocks = new Map();
for (const b of zh.blocks) zhBlocks.set(b.text, (zhBlocks.get(b.text) ?? 0) + 1);
for (const b of en.blocks) {
  const left = zhBlocks.get(b.text) ?? 0;
  if (left > 0) {
    zhBlocks.set(b.text, left - 1);
    continue;
  }
  const preview = b.text.split("\n").slice(0, 3).join("\n    ");
  let message = `code block of README.md line ${b.line} is missing from README.zh-CN.md (or differs):\n    ${preview}`;
  // When a translated block shares most of its lines, name the first line that differs.
  const lines = b.text.split("\n");
  let closest = null;
  let shared = 0;
  for (const z of zh.blocks) {
    const zl = new Set(z.text.split("\n"));
    const n = lines.filter((l) => zl.has(l)).length;
    if (n > shared) [closest, shared] = [z, n];
  }
  if (closest && shared * 2 >= lines.length) {
    const zl = closest.text.split("\n");
    const i = lines.findIndex((l, k) => l !== zl[k]);
    message += `\n  closest: README.zh-CN.md line ${closest.line}, which has\n    ${zl[i] ?? "(nothing)"}\n  where README.md has\n    ${lines[i] ?? "(nothing)"}`;
  }
  problems.push(message);
}
for (const b of zh.blocks) {
  if (b.unclosed) problems.push(`README.zh-CN.md line ${b.line}: a code block is never closed`);
}
if (en.sections.length !== zh.sections.length) {
  problems.push(
    `README.md has ${en.sections.length} "## " sections, README.zh-CN.md has ${zh.sections.length}` +
      ` (README.md: ${en.sections.join(" | ")})`,
  );
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-readme-zh: ${p}`);
  console.error(
    `check-readme-zh: ${problems.length} problem(s); translate the new part of README.md into README.zh-CN.md` +
      " (code blocks byte-for-byte, only # comments translated)",
  );
  process.exit(1);
}
console.log(
  `check-readme-zh: ok (${en.blocks.length} code blocks, ${en.sections.length} ## sections in both READMEs)`,
);
