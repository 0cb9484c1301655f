// Entry point: picks the API (Electron bridge or HTTP + WebSocket), applies the theme, renders the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi } from './api';
import { App } from './App';
import { applyTheme, initialTheme } from './components/ThemeToggle';
import './styles/app.css';
import './styles/controls.css';
import './styles/forms.css';

applyTheme(initialTheme());
const api = createApi();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={api} />
  </StrictMode>,
);
