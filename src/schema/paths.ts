/**
 * Field paths, shared by inference, the JSON Schema reading and the diff: `customer.address.city`,
 * array elements `items[]`, `items[].sku`; a key that would make a dotted path ambiguous is
 * written `["a.b"]`. The root itself is "" (shown as `$`).
 */
export function pathOf(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function itemsPath(parent: string): string {
  return `${parent}[]`;
}

export function shownPath(path: string): string {
  return path === "" ? "$" : path;
}
