/** The Winnow console: sign in, then datasets, runs, reports and tags, page by page (hash routes). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
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

function App() {
  const route = useRoute();
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

  const signOut = () => {
    session.signOut();
    setRefusal(undefined);
    setSignedIn(false);
  };

  return (
    <>
      <a class="skip" href="#content">
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
      <div id="content">
        {signedIn ? (
          <Page route={route} />
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
