/**
 * Configs to start from: the demo's (`demo/*.jsonc`, made for the `demo` dataset) and the documentation's
 * examples (`test/fixtures/seeds/*.jsonc`, each as written there), bundled as text at build time.
 */
const demo = import.meta.glob<string>('../../demo/*.jsonc', { query: '?raw', import: 'default', eager: true });
const documentation = import.meta.glob<string>('../../test/fixtures/seeds/*.jsonc', { query: '?raw', import: 'default', eager: true });

export interface ConfigTemplate {
  readonly id: string;
  readonly group: 'Demo dataset' | 'Documentation examples';
  readonly label: string;
  readonly text: string;
}

const fileLabel = (path: string) =>
  path
    .replace(/^.*\//, '')
    .replace(/\.jsonc$/, '')
    .replace(/^\d+-/, '')
    .replace(/-/g, ' ');

const collect = (files: Record<string, string>, group: ConfigTemplate['group'], prefix: string): ConfigTemplate[] =>
  Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, text]) => ({ id: `${prefix}/${path.replace(/^.*\//, '').replace(/\.jsonc$/, '')}`, group, label: fileLabel(path), text }));

export const TEMPLATES: readonly ConfigTemplate[] = [...collect(demo, 'Demo dataset', 'demo'), ...collect(documentation, 'Documentation examples', 'docs')];
