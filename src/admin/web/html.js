// htm bound to Preact: html`<div>…</div>` builds Preact elements, no build step.
import htm from 'htm';
import { h } from 'preact';

export const html = htm.bind(h);
