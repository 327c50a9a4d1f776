// Sign-in and sign-up. Both end with the server setting the session cookie; the app never sees a token.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { signIn, signUp } from "../session";
import { ErrorMessage, FieldError } from "../ui";

function AuthCard({ title, children }: { title: string; children: ComponentChildren }) {
  document.title = `${title} · Skylabel`;
  return (
    <main class="auth" id="main">
      <div class="auth-card">
        <p class="brand brand-large">Skylabel</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} class="form">
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p class="muted">
        No account yet? <a href="/signup">Create one</a>
      </p>
    </AuthCard>
  );
}

export function SignUp() {
  const [form, setForm] = useState({ email: "", password: "", first_name: "", last_name: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = (name: keyof typeof form) => (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signUp(form);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} class="form">
        <div class="row">
          <label>
            First name
            <input name="first_name" autoComplete="given-name" value={form.first_name} onInput={field("first_name")} />
          </label>
          <label>
            Last name
            <input name="last_name" autoComplete="family-name" value={form.last_name} onInput={field("last_name")} />
          </label>
        </div>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={form.email} onInput={field("email")} />
          <FieldError error={error} field="email" />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="new-password" required minLength={8} value={form.password} onInput={field("password")} />
          <FieldError error={error} field="password" />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <p class="muted">
        Already have an account? <a href="/signin">Sign in</a>
      </p>
    </AuthCard>
  );
}
