// The client and the flows must type-check without overriding the types: no `x as T`, no `<T>x`,
// no `x!`. A cast would hide exactly what this package is here to catch (a schema that
// misdescribes the server). Exit 1 naming each one.
import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";

const folder = new URL("../src/", import.meta.url);
const found = [];
for (const name of readdirSync(folder).filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts"))) {
  const text = readFileSync(new URL(name, folder), "utf8");
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
  const visit = (node) => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`src/${name}:${line + 1}: ${node.getText().slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (found.length) {
  console.error(`casts in the client (${found.length}):\n${found.join("\n")}`);
  process.exit(1);
}
console.log("no casts (as, <T>, !) in src/");
