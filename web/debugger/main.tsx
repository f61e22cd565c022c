import { render } from 'preact';
import { App } from './app.tsx';
import { LiveStore } from './live.ts';

const root = document.getElementById('app');
if (root) {
  const live = new LiveStore();
  live.connect();
  root.replaceChildren();
  render(<App live={live} />, root);
}
