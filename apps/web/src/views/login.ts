import type { ApiClient } from '../api';
import { h } from '../dom';
import type { User } from '../types';

/** The login/register screen; resolves through `onAuthenticated` once a session exists. */
export function renderLogin(root: HTMLElement, api: ApiClient, onAuthenticated: (user: User) => void): void {
  const username = h('input', { 'data-testid': 'username', name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32, pattern: '[a-z0-9_.\\-]+', title: '3-32 characters: a-z, 0-9, _ . -' });
  const password = h('input', { 'data-testid': 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, minlength: 8, maxlength: 128 });
  const error = h('p', { class: 'error', role: 'alert' });
  const loginBtn = h('button', { type: 'submit', 'data-testid': 'login' }, 'Log in');
  const registerBtn = h('button', { type: 'button', 'data-testid': 'register', class: 'secondary' }, 'Register');

  const submit = async (mode: 'login' | 'register'): Promise<void> => {
    if (!form.reportValidity()) return;
    error.textContent = '';
    loginBtn.disabled = registerBtn.disabled = true;
    try {
      const name = username.value.trim().toLowerCase();
      const user = mode === 'login' ? await api.login(name, password.value) : await api.register(name, password.value);
      onAuthenticated(user);
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err);
    } finally {
      loginBtn.disabled = registerBtn.disabled = false;
    }
  };

  const form = h(
    'form',
    { class: 'login', 'data-testid': 'login-form' },
    h('h1', {}, 'imstack chat'),
    h('label', {}, 'Username', username),
    h('label', {}, 'Password', password),
    error,
    h('div', { class: 'row' }, loginBtn, registerBtn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void submit('login');
  });
  registerBtn.addEventListener('click', () => void submit('register'));
  root.replaceChildren(form);
  username.focus();
}
