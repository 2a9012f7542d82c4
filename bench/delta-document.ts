/**
 * The document of the delta scenario: an inventory record of about the requested size, whose
 * every next version changes one field (the quantity of one line, round-robin over the lines).
 * Only integers and plain ASCII, so `JSON.stringify(JSON.parse(text))` gives the text back.
 */

interface Line {
  sku: string;
  name: string;
  warehouse: string;
  qty: number;
  price: number;
}

/** Returns a function giving version 0, 1, 2, … of the document as JSON text, one per call. */
export function documentVersions(bytes: number): () => string {
  const doc = {
    id: 'inventory-0042',
    title: 'Inventory of the north distribution centre',
    owner: { user: 'u17', team: 'logistics', email: 'logistics@example.com' },
    status: 'open',
    lines: [] as Line[],
  };
  for (let i = 0; JSON.stringify(doc).length < bytes; i++) {
    doc.lines.push({
      sku: `SKU-${String(10000 + i * 37)}`,
      name: `Catalogue item ${i + 1}, carton of ${6 + (i % 5) * 6}`,
      warehouse: `north-${1 + (i % 4)}`,
      qty: 100 + i,
      price: 1250 + i * 15,
    });
  }
  let version = 0;
  return () => {
    if (version > 0) {
      const line = doc.lines[(version - 1) % doc.lines.length]!;
      line.qty += 1 + (version % 7);
    }
    version++;
    return JSON.stringify(doc);
  };
}
