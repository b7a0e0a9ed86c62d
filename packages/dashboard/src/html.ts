/** Server-rendered HTML: every interpolated value goes through `escapeHtml` (the `html` tag does it). */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A piece of markup that is already safe: not escaped again when interpolated. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[];

const render = (value: Interpolated): string => {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(value);
};

/** Tagged template: strings are escaped, `SafeHtml` (and lists of it) are inserted as they are. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let text = strings[0]!;
  values.forEach((value, index) => (text += render(value) + strings[index + 1]!));
  return new SafeHtml(text);
}

/** "3s ago", "2m ago", from an ISO time or Date, against `now`. */
export function ago(at: string | Date | null | undefined, now: number): string {
  if (!at) return "—";
  const ms = now - new Date(at).getTime();
  if (!Number.isFinite(ms)) return "—";
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

export function isoOrDash(at: string | Date | null | undefined): string {
  if (!at) return "—";
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? "—" : date.toISOString();
}
