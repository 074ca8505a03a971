/**
 * The JSON format of Stack's config overrides, and its algorithms: an override is a JSON object whose keys are paths,
 * either plain ("teams") or dotted ("teams.allowClientTeamCreation"), whose values replace what the path held before.
 * `null` unsets a path (the default shows again). Written from Stack's documented behaviour; see
 * docs/internal-project.md.
 */

export type ConfigValue = string | number | boolean | null | ConfigValue[] | ConfigObject;
export interface ConfigObject {
  [key: string]: ConfigValue;
}

const KEY_PATTERN = /^[a-zA-Z0-9_:$][a-zA-Z0-9_:$-]*(?:\.[a-zA-Z0-9_:$][a-zA-Z0-9_:$-]*)*$/;

export function isConfigObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a value is not a config (a key of the wrong shape, an array holding null...), or undefined. */
export function invalidConfigReason(config: unknown, name = 'config'): string | undefined {
  if (!isConfigObject(config)) return `${name} must be a non-null object`;
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (!KEY_PATTERN.test(key)) {
      return `All keys of ${name} must consist of only alphanumeric characters, dots, underscores, colons, dollar signs, or hyphens and start with a character other than a hyphen (found: ${key})`;
    }
    const reason = invalidValueReason(value, `${name}.${key}`);
    if (reason) return reason;
  }
  return undefined;
}

function invalidValueReason(value: unknown, name: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${name} has an invalid value type number (value: ${value})`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      if (item === null) return `${name}[${index}] is null; tuple elements cannot be null`;
      const reason = invalidValueReason(item, `${name}[${index}]`);
      if (reason) return reason;
    }
    return undefined;
  }
  if (typeof value === 'object') return invalidConfigReason(value, name);
  return `${name} has an invalid value type ${typeof value} (value: ${String(value)})`;
}

/**
 * Sets an own property, whatever the key: a key of user input such as `__proto__` must become data, never a prototype.
 */
export function putKey(target: ConfigObject, key: string, value: ConfigValue): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Whether `key` is `path` itself or lies below it. */
export function isAtOrBelow(key: string, path: string): boolean {
  return key === path || key.startsWith(`${path}.`);
}

/**
 * Applies `patch` over `base`: every key of the patch replaces that key of the base and everything the base held below
 * it ("teams" replaces "teams.allowClientTeamCreation"); other keys of the base stay.
 */
export function overrideConfig(base: ConfigObject, patch: ConfigObject): ConfigObject {
  const patchKeys = Object.keys(patch);
  const kept = Object.entries(base).filter(([key]) => !patchKeys.some((path) => isAtOrBelow(key, path)));
  return { ...Object.fromEntries(kept), ...patch };
}

/**
 * Removes paths from an override, by the same rule as `overrideConfig`: a path removes its descendants too, whether
 * they are dotted keys or nested inside an object value (an object left empty is dropped).
 */
export function removeConfigKeys(config: ConfigObject, paths: readonly string[]): ConfigObject {
  if (paths.length === 0) return config;
  const out: ConfigObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (paths.some((path) => isAtOrBelow(key, path))) continue;
    const inner = paths.filter((path) => path.startsWith(`${key}.`)).map((path) => path.slice(key.length + 1));
    if (inner.length > 0 && isConfigObject(value)) {
      const cleaned = removeConfigKeys(value, inner);
      if (Object.keys(cleaned).length > 0) putKey(out, key, cleaned);
    } else {
      putKey(out, key, value);
    }
  }
  return out;
}

const depth = (key: string) => key.split('.').length;

/**
 * Writes an override's keys onto `target` (a copy of the defaults' skeleton), shallow paths first: a value replaces
 * what the path held, `null` deletes it, and a dotted key whose parent does not exist or is not an object is dropped
 * (Stack renders such keys, e.g. into a record entry that was never created, as nothing).
 */
export function writeOverride(target: ConfigObject, override: ConfigObject): ConfigObject {
  for (const key of Object.keys(override).sort((a, b) => depth(a) - depth(b))) {
    const value = override[key];
    if (value === undefined) continue;
    const segments = key.split('.');
    const last = segments.pop()!;
    let parent: ConfigObject | undefined = target;
    for (const segment of segments) {
      const next: ConfigValue | undefined = Object.hasOwn(parent, segment) ? parent[segment] : undefined;
      parent = isConfigObject(next) ? next : undefined;
      if (!parent) break;
    }
    if (!parent) continue;
    if (value === null) delete parent[last];
    else putKey(parent, last, normalizedValue(value));
  }
  return target;
}

/** A value without dotted keys or nulls: nested objects are written key by key onto an empty object. */
function normalizedValue(value: ConfigValue): ConfigValue {
  if (Array.isArray(value)) return value.map(normalizedValue);
  if (isConfigObject(value)) return writeOverride({}, value);
  return value;
}

/** The value at a path of a normalized config (no dotted keys), or undefined. */
export function valueAt(config: ConfigObject, path: string): ConfigValue | undefined {
  let current: ConfigValue | undefined = config;
  for (const segment of path.split('.')) {
    if (!isConfigObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Sets a value at a path of a normalized config, creating the objects on the way. */
export function setValueAt(config: ConfigObject, path: string, value: ConfigValue): void {
  const segments = path.split('.');
  const last = segments.pop()!;
  let current = config;
  for (const segment of segments) {
    const next = current[segment];
    if (!isConfigObject(next)) current[segment] = {};
    current = current[segment] as ConfigObject;
  }
  current[last] = value;
}

/** A deep copy of JSON data. */
export function cloneConfig<T extends ConfigValue>(value: T): T {
  return structuredClone(value);
}
