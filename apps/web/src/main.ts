import './style.css';
import { ApiClient } from './api';
import { storageTokenStore } from './session';
import type { User } from './types';
import { ChatView } from './views/chat';
import { renderLogin } from './views/login';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
const appRoot: HTMLElement = root;

let chat: ChatView | null = null;

const api = new ApiClient({
  store: storageTokenStore(window.sessionStorage),
  onSessionEnded: () => showLogin(),
});

function showLogin(): void {
  chat?.destroy();
  chat = null;
  renderLogin(appRoot, api, (user) => void showChat(user));
}

async function showChat(user: User): Promise<void> {
  chat?.destroy();
  chat = new ChatView(appRoot, api, user, () => showLogin());
  await chat.mount();
}

async function start(): Promise<void> {
  if (!api.loggedIn) return showLogin();
  try {
    await showChat(await api.me());
  } catch {
    showLogin();
  }
}

void start();
