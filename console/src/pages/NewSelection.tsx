/**
 * A new selection: a config editor prefilled from a template, checked as it is typed with the engine's
 * own parsing, so every fault is listed at its JSON path and nothing is sent while one remains. The
 * dataset-specific checks (keys, tasks, tags) are the API's; its refusal is listed the same way.
 */
import { useMemo, useState } from 'preact/hooks';
import { ApiError, request, type DatasetData } from '../api.js';
import { Crumbs, ErrorMessage, Loading } from '../components.js';
import { checkConfigText, type ConfigProblem } from '../configCheck.js';
import { toApiError, useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';
import { TEMPLATES } from '../templates.js';

const defaultTagName = () => `selection-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;

export function NewSelection({ datasetId }: { datasetId: string }) {
  const { data, error: loadError, loading } = useLoad(() => request<DatasetData>('dataset', { id: datasetId }), [datasetId]);
  const [templateId, setTemplateId] = useState(TEMPLATES[0]?.id ?? '');
  const [text, setText] = useState(TEMPLATES[0]?.text ?? '{\n  "n_samples": 10,\n  "strategies": []\n}\n');
  const [resultTagName, setResultTagName] = useState(defaultTagName);
  const [inputTagName, setInputTagName] = useState('');
  const [preselectedTagName, setPreselectedTagName] = useState('');
  const [serverProblem, setServerProblem] = useState<ConfigProblem | undefined>();
  const [sendError, setSendError] = useState<ApiError | undefined>();
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const check = useMemo(() => checkConfigText(text), [text]);
  const problems = check.ok ? [] : check.problems;

  const chooseTemplate = (id: string) => {
    const template = TEMPLATES.find((t) => t.id === id);
    setTemplateId(id);
    if (template) setText(template.text);
    setServerProblem(undefined);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setAttempted(true);
    setSendError(undefined);
    setServerProblem(undefined);
    if (!check.ok) {
      document.getElementById('config-problems')?.focus();
      return;
    }
    if (!resultTagName.trim()) {
      setSendError(new ApiError('Name the tag that will hold the picks.', 'BAD_USER_INPUT', 'resultTagName'));
      return;
    }
    setBusy(true);
    try {
      const started = await request<{ startSelection: { id: string } }>('startSelection', {
        datasetId,
        config: check.config,
        resultTagName: resultTagName.trim(),
        inputTagName: inputTagName || null,
        preselectedTagName: preselectedTagName || null,
      });
      navigate(href.run(started.startSelection.id));
    } catch (caught) {
      const error = toApiError(caught);
      if (error.code === 'BAD_USER_INPUT' && error.path?.startsWith('config')) setServerProblem({ at: error.path, message: error.message });
      else setSendError(error);
    } finally {
      setBusy(false);
    }
  };

  const tags = data?.dataset.tags.items ?? [];
  const shownProblems = serverProblem ? [...problems, serverProblem] : problems;
  const groups = [...new Set(TEMPLATES.map((t) => t.group))];
  return (
    <main>
      <Crumbs dataset={{ id: datasetId, name: data?.dataset.name }} current="New selection" />
      <h1>New selection{data ? ` on ${data.dataset.name}` : ''}</h1>
      <ErrorMessage error={loadError} />
      {loading && !data && <Loading what="the dataset" />}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div class="field">
          <label for="template">Start from</label>
          <select id="template" value={templateId} onChange={(event) => chooseTemplate(event.currentTarget.value)}>
            {groups.map((group) => (
              <optgroup key={group} label={group}>
                {TEMPLATES.filter((t) => t.group === group).map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="config">Selection config (JSON; comments and trailing commas allowed)</label>
          <textarea
            id="config"
            rows={18}
            spellcheck={false}
            value={text}
            onInput={(event) => {
              setText(event.currentTarget.value);
              setServerProblem(undefined);
            }}
            aria-describedby="config-problems"
            aria-invalid={shownProblems.length > 0}
          />
        </div>
        <div id="config-problems" tabIndex={-1} aria-live="polite" class={shownProblems.length ? 'problems' : 'problems ok'}>
          {shownProblems.length === 0 ? (
            <p>The config is valid.</p>
          ) : (
            <>
              <p role={attempted ? 'alert' : undefined}>
                {shownProblems.length === 1 ? 'One problem' : `${shownProblems.length} problems`}
                {attempted ? '; nothing was sent:' : ':'}
              </p>
              <ul>
                {shownProblems.map((problem, index) => (
                  <li key={index}>
                    <code class="path">{problem.at}</code> {problem.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <div class="row">
          <div class="field">
            <label for="result-tag">Result tag</label>
            <input id="result-tag" value={resultTagName} onInput={(event) => setResultTagName(event.currentTarget.value)} required maxLength={128} />
          </div>
          <div class="field">
            <label for="input-tag">Choose among</label>
            <select id="input-tag" value={inputTagName} onChange={(event) => setInputTagName(event.currentTarget.value)}>
              <option value="">all samples</option>
              {tags.map((tag) => (
                <option key={tag.name} value={tag.name}>
                  tag {tag.name} ({tag.count})
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="preselected-tag">Already picked</label>
            <select id="preselected-tag" value={preselectedTagName} onChange={(event) => setPreselectedTagName(event.currentTarget.value)}>
              <option value="">none</option>
              {tags.map((tag) => (
                <option key={tag.name} value={tag.name}>
                  tag {tag.name} ({tag.count})
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Starting…' : 'Start selection'}
        </button>
      </form>
      <ErrorMessage error={sendError} />
    </main>
  );
}
