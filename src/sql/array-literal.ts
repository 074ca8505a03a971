/** Parses Postgres' text output of an array (`{1,NULL,"a,b"}`, nested, with optional `[1:2]=` bounds). */
type Nested = (string | null | Nested)[];

export function parseArrayLiteral(text: string): Nested {
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const parse = (): Nested => {
    const out: Nested = [];
    i += 1; // '{'
    while (i < text.length && text[i] !== '}') {
      if (text[i] === '{') {
        out.push(parse());
      } else if (text[i] === '"') {
        let value = '';
        i += 1;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i += 1;
          value += text[i] ?? '';
          i += 1;
        }
        i += 1;
        out.push(value);
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '}') i += 1;
        const raw = text.slice(start, i);
        out.push(raw === 'NULL' ? null : raw);
      }
      if (text[i] === ',') i += 1;
    }
    i += 1; // '}'
    return out;
  };
  return text[i] === '{' ? parse() : [];
}
