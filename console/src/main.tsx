/** The Winnow console: sign in, then datasets, runs, reports and tags, page by page (hash routes). */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onKeyRefused, session, type ApiError } from './api.js';
import { CombineTags } from './pages/CombineTags.js';
import { Dataset } from './pages/Dataset.js';
import { Datasets } from './pages/Datasets.js';
import { NewSelection } from './pages/NewSelection.js';
import { Run } from './pages/Run.js';
import { SignIn } from './pages/SignIn.js';
import { Tag } from './pages/Tag.js';
import { href, useRoute, type Route } from './router.js';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'datasets':
      return <Datasets />;
    case 'dataset':
      return <Dataset datasetId={route.datasetId} />;
    case 'newSelection':
      return <NewSelection datasetId={route.datasetId} />;
    case 'combineTags':
      return <CombineTags datasetId={route.datasetId} />;
    case 'tag':
      return <Tag datasetId={route.datasetId} tagName={route.tagName} />;
    case 'run':
      return <Run runId={route.runId} />;
    case 'notFound':
      return (
        <main>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={href.datasets()}>Back to the datasets</a>.
          </p>
        </main>
      );
  }
}

/** One key per page: a page keeps its state (a tag's page number, a list's cursors) for its own route only. */
const routeKey = (route: Route) => JSON.stringify(route);

/** Moves keyboard focus to the content (the skip link's target, and where a new page starts). */
function focusContent(): void {
  document.getElementById('content')?.focus();
}

function App() {
  const route = useRoute();
  const key = routeKey(route);
  const firstRoute = useRef(key);
  const [signedIn, setSignedIn] = useState(() => session.key() !== null);
  const [refusal, setRefusal] = useState<ApiError | undefined>();

  // A key refused later (revoked, or the server restarted with another) ends the session.
  useEffect(
    () =>
      onKeyRefused((error) => {
        session.signOut();
        setRefusal(error);
        setSignedIn(false);
      }),
    [],
  );

  // Every page has a title of its own, so the browser's history and screen readers say where one is.
  useEffect(() => {
    document.title = signedIn ? `Winnow · ${route.page === 'notFound' ? 'not found' : route.page}` : 'Winnow · sign in';
  }, [route, signedIn]);

  // After a link to another page, focus starts at its content (as after a full page load, but past the
  // header), so the next Tab reaches the page's first control and screen readers read the new page.
  useEffect(() => {
    if (key !== firstRoute.current) focusContent();
    firstRoute.current = key;
  }, [key]);

  const signOut = () => {
    session.signOut();
    setRefusal(undefined);
    setSignedIn(false);
  };

  return (
    <>
      {/* Not a plain `#content` link: the hash holds the route, and a fragment would replace it. */}
      <a
        class="skip"
        href="#content"
        onClick={(event) => {
          event.preventDefault();
          focusContent();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.datasets()}>
          Winnow
        </a>
        {signedIn && (
          <nav aria-label="Main">
            <a href={href.datasets()}>Datasets</a>
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <div id="content" tabIndex={-1}>
        {signedIn ? (
          <Page key={key} route={route} />
        ) : (
          <SignIn
            notice={refusal}
            onSignedIn={() => {
              setRefusal(undefined);
              setSignedIn(true);
            }}
          />
        )}
      </div>
    </>
  );
}

render(<App />, document.getElementById('app')!);
