// Who is signed in. The session itself is an httpOnly cookie the server sets on sign-in; the app only
// keeps the user's profile in memory, loaded from whoami, and forgets it on sign-out or on any 401.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import type { User } from "./types";

type State = { status: "loading" } | { status: "anonymous" } | { status: "signed-in"; user: User };

let state: State = { status: "loading" };
const listeners = new Set<(s: State) => void>();

function set(next: State): void {
  state = next;
  listeners.forEach((listener) => listener(state));
}

export function useSession(): State {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
}

export function currentUser(): User | null {
  return state.status === "signed-in" ? state.user : null;
}

export async function loadSession(): Promise<void> {
  try {
    set({ status: "signed-in", user: await api.get<User>("/api/current-user/whoami") });
  } catch {
    set({ status: "anonymous" });
  }
}

export function forgetSession(): void {
  set({ status: "anonymous" });
}

export async function signIn(email: string, password: string): Promise<void> {
  const user = await api.post<User>("/api/auth/login", { email, password });
  set({ status: "signed-in", user });
}

export async function signUp(profile: { email: string; password: string; first_name?: string; last_name?: string }): Promise<void> {
  const user = await api.post<User>("/api/auth/signup", profile);
  set({ status: "signed-in", user });
}

export async function signOut(): Promise<void> {
  try {
    await api.post("/api/auth/logout");
  } finally {
    set({ status: "anonymous" });
  }
}
