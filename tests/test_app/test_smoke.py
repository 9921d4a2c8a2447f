def test_world_builds(world):
    assert len(world.participants) == 3
