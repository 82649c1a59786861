import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { createClient } from './lib/api/index.js';

const api = createClient();
mount(App, { target: document.getElementById('app')!, props: { api } });
