// Tiny argv helpers shared by the scripts here (no dependency for three flags).
export function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// Every value of a repeated `--flag key=value`, as a Map.
export function pairs(name) {
  const found = new Map();
  process.argv.forEach((arg, i) => {
    if (arg === name && i + 1 < process.argv.length) {
      const value = process.argv[i + 1];
      const at = value.indexOf('=');
      if (at <= 0) throw new Error(`${name} expects key=value, got ${value}`);
      found.set(value.slice(0, at), value.slice(at + 1));
    }
  });
  return found;
}
