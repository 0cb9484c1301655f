// Runs axe-core over a rendered widget in jsdom (rules that need layout or colors are off).
import axe from 'axe-core';

export async function axeViolations(node: Element): Promise<string[]> {
  const res = await axe.run(node, {
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  });
  return res.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
